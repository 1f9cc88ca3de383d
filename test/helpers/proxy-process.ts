import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ThreadView, UpstreamView } from '../../src/pool/pool-view.js';
import { freePort } from './free-port.js';

export const MAIN = fileURLToPath(new URL('../../src/main/main.js', import.meta.url));

/** Every proxy this test process started: none may outlive it, even when a test fails half-way. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

function spawnProxy(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ATOM_HOST: '127.0.0.1', ATOM_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** The admin view of the shared pool index (GET /__atomproxy/pool). */
export interface PoolView {
  workers: number;
  threads: ThreadView[];
  /** Per server: the index's view, its address (as an origin; null for an empty DNS slot) and its weight. */
  upstreams: Array<UpstreamView & { origin: string | null; weight: number }>;
}

/** A real atomproxy process, started with ATOM_* variables, listening on a random loopback port. */
export interface ProxyProcess {
  port: number;
  /** The TLS listener's port (ATOM_TLS_PORT), or null. */
  tlsPort: number | null;
  url: string;
  pid: number;
  /** The admin listener (on a random free port unless ATOM_ADMIN_PORT was given). */
  adminUrl: string;
  pool(): Promise<PoolView>;
  /** JSON log lines printed so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** Resident set size now and at its peak, in bytes (from /proc). */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
}

/**
 * One stdout line as a log entry. uWS's native code prints two lines of its own per extra TLS server name and
 * thread at start ("finding NAME", "Browsed to SNI: NAME"), outside the JSON log: kept as `{ printed }`.
 */
function logEntry(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { printed: line };
  }
}

/** Starts the proxy; rejects with its stderr if it exits before saying it listens (within 10 s). */
export async function startProxy(env: Record<string, string>): Promise<ProxyProcess> {
  const child = spawnProxy({ ATOM_ADMIN_PORT: String(await freePort()), ...env });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  let adminPort = 0;
  let tlsPort: number | null = null;
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started proxy behind
      reject(new Error(`proxy did not start within 10 s: ${stderr}`));
    }, 10_000);
    child.stdout!.on('data', (data: Buffer) => {
      buffered += data.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        logs.push(logEntry(line));
        const entry = logs.at(-1)!;
        if (typeof entry.port === 'number' && String(entry.msg).startsWith('atomproxy listening')) {
          clearTimeout(timer);
          adminPort = entry.adminPort as number;
          tlsPort = entry.tlsPort as number | null;
          resolve(entry.port);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${code} before listening: ${stderr}`));
    });
  });
  const pid = child.pid!;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  return {
    port,
    tlsPort,
    url: `http://127.0.0.1:${port}`,
    pid,
    adminUrl,
    async pool() {
      const response = await fetch(`${adminUrl}/__atomproxy/pool`);
      if (response.status !== 200) throw new Error(`pool view answered ${response.status}`);
      return (await response.json()) as PoolView;
    },
    logs,
    memory() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
      return { rss: kib('VmRSS'), peak: kib('VmHWM') };
    },
    /**
     * SIGTERM, then checks the shutdown was clean: exit code 0 within the 10 s drain grace, and the pool index
     * balanced (no atom still assigned or in flight, no connection still busy or opening for an atom, no counter
     * below zero, totals equal to the sums of the cells), which catches an atom finished twice and a connection
     * counted twice or never counted out.
     */
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const [code, signal] = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`proxy exited with ${code ?? signal} on SIGTERM: ${stderr}`);
      const expired = logs.find((line) => line.msg === 'drain grace expired; cutting what is left');
      if (expired) throw new Error(`the stop waited out the drain grace for nothing in flight: ${JSON.stringify(expired)}`);
      const counters = logs.find((line) => line.msg === 'upstream pool counters at shutdown');
      if (!counters) throw new Error('proxy did not log its pool counters at shutdown');
      const unbalanced = () => new Error(`unbalanced pool index at shutdown: ${JSON.stringify(counters.pool)}`);
      const numbers = (record: object) => Object.values(record).filter((value): value is number => typeof value === 'number');
      for (const upstream of counters.pool as UpstreamView[]) {
        const { workers } = upstream;
        if (upstream.inFlight !== 0 || numbers(upstream).some((value) => value < 0)) throw unbalanced();
        const sum = (field: 'idle' | 'busy' | 'connecting' | 'warming' | 'pinned') => workers.reduce((total, worker) => total + worker[field], 0);
        if (upstream.idle !== sum('idle')) throw unbalanced();
        if (upstream.connections !== sum('idle') + sum('busy') + sum('connecting') + sum('warming') + sum('pinned')) throw unbalanced();
        for (const worker of workers) {
          if (worker.assigned !== 0 || worker.busy !== 0 || worker.connecting !== 0) throw unbalanced();
          if (numbers(worker).some((value) => value < 0)) throw unbalanced();
        }
      }
    },
  };
}

/** Runs the proxy expecting it to refuse to start; resolves with its exit code and stderr. */
export async function startProxyExpectingFailure(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const child = spawnProxy(env);
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code] = (await once(child, 'exit')) as [number];
  clearTimeout(timer);
  return { code, stderr };
}
