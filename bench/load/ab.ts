import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONCURRENCY, type LoadResult, type LoadSpec } from './load-spec.js';
import { runCommand } from './run-command.js';

/** ab -r -s 5 -n N -c 32 [-k] [-p body]: HTTP/1.0; latency percentiles are whole milliseconds. */
export async function runAb(ab: string, spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'atomproxy-ab-'));
  try {
    const upload: string[] = [];
    if (spec.uploadBytes) {
      writeFileSync(join(dir, 'body'), 'x'.repeat(spec.uploadBytes));
      upload.push('-p', join(dir, 'body'), '-T', 'application/octet-stream');
    }
    const args = ['-r', '-s', '5', '-n', String(spec.requests), '-c', String(CONCURRENCY), ...(spec.keepAlive ? ['-k'] : []), ...upload, spec.url];
    const out = await runCommand(ab, args, 120_000);
    const number = (pattern: RegExp) => Number(pattern.exec(out.stdout)?.[1] ?? NaN);
    const complete = number(/Complete requests:\s+(\d+)/);
    // ab gives up on the whole run when one response does not finish within -s seconds.
    if (Number.isNaN(complete)) throw new Error(`ab aborted (exit ${out.code}): ${out.stderr.trim().split('\n').pop()}`);
    const non2xx = number(/Non-2xx responses:\s+(\d+)/) || 0;
    const percentile = (p: number) => number(new RegExp(`^\\s+${p}%\\s+(\\d+)`, 'm'));
    return {
      client: 'ab',
      ok: complete - non2xx,
      non2xx,
      errors: number(/Failed requests:\s+(\d+)/) || 0,
      seconds: number(/Time taken for tests:\s+([\d.]+)/),
      p50Ms: percentile(50),
      p99Ms: percentile(99),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
