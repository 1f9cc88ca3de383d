import { spawnSync } from 'node:child_process';

/** The Debian paths of the tools the end-to-end checks and the bench drive; null when one is not installed. */
export function findTool(name: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], { encoding: 'utf8' });
  const path = found.stdout.trim().split('\n')[0];
  return path ? path : null;
}
