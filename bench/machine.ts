import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import type { Tools } from './tools.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** First line of each external tool's version output. */
  tools: Record<string, string>;
}

const VERSION_FLAG: Record<string, string> = { nginx: '-v', haproxy: '-v', wrk: '-v', ab: '-V' };

export function describeMachine(tools: Tools): Machine {
  const versions: Record<string, string> = {};
  for (const [name, flag] of Object.entries(VERSION_FLAG)) {
    const path = tools[name as keyof Tools];
    if (!path) continue;
    const out = spawnSync(path, [flag], { encoding: 'utf8' });
    versions[name] = `${out.stdout}${out.stderr}`.trim().split('\n')[0]!;
  }
  return {
    cpu: /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown',
    cores: cpus().length, // not availableParallelism(): the bench pinned itself to one core
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    tools: versions,
  };
}
