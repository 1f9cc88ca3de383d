import { spawn } from 'node:child_process';
import { findTool } from '../test/helpers/nginx-origin.js';

export type LoadMode = 'keep-alive' | 'close';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
}

/**
 * Drives `url` for `seconds` with 64 connections: wrk when installed (it drives ~2x what autocannon can on
 * one core, see ../shared/research/ANCHOR-BENCH.md), else autocannon. `close` sends Connection: close.
 */
export function runLoad(url: string, mode: LoadMode, seconds: number): Promise<LoadResult> {
  const wrk = findTool('wrk');
  const closeHeader = mode === 'close' ? ['-H', 'Connection: close'] : [];
  const [command, args] = wrk
    ? [wrk, ['-t1', '-c64', `-d${seconds}s`, '--timeout', '5s', ...closeHeader, url]]
    : [process.execPath, [new URL('../../node_modules/autocannon/autocannon.js', import.meta.url).pathname, '-c', '64', '-d', String(seconds), '-j', ...closeHeader, url]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${command} exited with ${code}: ${out}`));
      resolve(wrk ? parseWrk(out, seconds) : parseAutocannon(out, seconds));
    });
  });
}

function parseWrk(out: string, seconds: number): LoadResult {
  const requests = Number(/(\d+) requests in ([\d.]+)(m?s)/.exec(out)?.[1] ?? NaN);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  if (!Number.isFinite(requests)) throw new Error(`cannot read wrk output: ${out}`);
  return { requests: requests - non2xx, errors, seconds };
}

function parseAutocannon(out: string, seconds: number): LoadResult {
  const result = JSON.parse(out) as { '2xx': number; errors: number; non2xx: number; timeouts: number };
  return { requests: result['2xx'], errors: result.errors + result.non2xx + result.timeouts, seconds };
}
