import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../load/run-command.js';

/** One ab client group: how many requests, how many at a time, keep-alive or one request per connection. */
export interface AbLoad {
  requests: number;
  concurrency: number;
  keepAlive: boolean;
}

/** What one ab run measured, request by request. */
export interface AbRequests {
  /** The command line, without the URL and the output flags, e.g. "ab -n 200 -c 4 -k". */
  command: string;
  completed: number;
  /** ab's failed requests (connect, receive, length, exceptions) plus non-2xx answers plus requests never completed. */
  errors: number;
  /** Requests ab sent on a connection it kept alive. */
  keptAlive: number;
  /** Total time of every completed request in ms, from ab's per-request (gnuplot) file: whole milliseconds. */
  latenciesMs: number[];
}

/** `ab`: the forum's client; -r keeps going past a failed receive, -s 10 bounds every response. */
function abCommand({ requests, concurrency, keepAlive }: AbLoad): string[] {
  return ['-n', String(requests), '-c', String(concurrency), ...(keepAlive ? ['-k'] : [])];
}

export async function runAbRequests(ab: string, url: string, load: AbLoad): Promise<AbRequests> {
  const dir = mkdtempSync(join(tmpdir(), 'atomproxy-long-haul-ab-'));
  try {
    const perRequest = join(dir, 'requests.tsv');
    const out = await runCommand(ab, ['-r', '-s', '10', ...abCommand(load), '-g', perRequest, url], 120_000);
    const count = (pattern: RegExp) => Number(pattern.exec(out.stdout)?.[1] ?? 0);
    const completed = count(/Complete requests:\s+(\d+)/);
    if (!/Complete requests:/.test(out.stdout)) throw new Error(`ab aborted (exit ${out.code}): ${out.stderr.trim().split('\n').pop()}`);
    // Columns: starttime, seconds, ctime, dtime, ttime, wait; the first line names them.
    const latenciesMs = readFileSync(perRequest, 'utf8').trim().split('\n').slice(1).map((line) => Number(line.split('\t')[4]));
    return {
      command: `ab ${abCommand(load).join(' ')}`,
      completed,
      errors: count(/Failed requests:\s+(\d+)/) + count(/Non-2xx responses:\s+(\d+)/) + (load.requests - completed),
      keptAlive: count(/Keep-Alive requests:\s+(\d+)/),
      latenciesMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
