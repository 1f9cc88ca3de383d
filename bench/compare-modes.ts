/**
 * Compares atomproxy's acceptor engines and worker counts in one interleaved run on this machine:
 * requests/s, proxy CPU µs per request (all threads, from /proc), upstream connections per 1000 requests,
 * for keep-alive and Connection: close clients. Medians of the repetitions, each also as a ratio to the
 * "node engine, ATOM_WORKERS=0" row of the same repetition. Usage: npm run bench [-- --quick]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { findTool, startNginxOrigin } from '../test/helpers/nginx-origin.js';
import { startProxy, type ProxyProcess } from '../test/helpers/proxy-process.js';
import { runLoad, type LoadMode } from './load.js';
import { cpuSeconds, pin } from './process-stats.js';

interface Target {
  name: string;
  env: Record<string, string>;
}

interface Sample {
  rep: number;
  target: string;
  mode: LoadMode;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  upstreamConnsPer1k: number;
}

const quick = process.argv.includes('--quick');
const REPS = quick ? 1 : 3;
const SECONDS = quick ? 3 : 5;
const MODES: LoadMode[] = ['keep-alive', 'close'];
const TARGETS: Target[] = [
  { name: 'node engine, ATOM_WORKERS=0', env: { ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '0' } },
  { name: 'node engine, ATOM_WORKERS=1', env: { ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '1' } },
  { name: 'node engine, ATOM_WORKERS=2', env: { ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '2' } },
  { name: 'uws engine, ATOM_WORKERS=0', env: { ATOM_ACCEPTOR: 'uws', ATOM_WORKERS: '0' } },
  { name: 'uws engine, ATOM_WORKERS=1', env: { ATOM_ACCEPTOR: 'uws', ATOM_WORKERS: '1' } },
];
const BASELINE = TARGETS[0]!.name;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const nginx = findTool('nginx');
  if (!nginx) throw new Error('the benchmark needs nginx as its origin: apt-get install nginx-light');
  const pinned = availableParallelism() >= 2 && findTool('taskset') !== null;
  // The origin and the load generator share CPU 1 (they inherit this process's affinity); each proxy gets CPU 0.
  if (pinned) pin(process.pid, '1');
  const origin = await startNginxOrigin(nginx);
  const samples: Sample[] = [];
  const total = REPS * MODES.length * TARGETS.length;
  console.error(`# ${total} runs of ${SECONDS} s, ${pinned ? 'proxy pinned to CPU 0, origin and load to CPU 1' : 'not pinned'}`);
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const mode of MODES) {
        // Rotate the starting target so no variant always runs first (warm caches, quiet machine).
        const order = TARGETS.map((_, i) => TARGETS[(i + rep) % TARGETS.length]!);
        for (const target of order) {
          const proxy: ProxyProcess = await startProxy({ ...target.env, ATOM_UPSTREAMS: origin.url });
          try {
            if (pinned) pin(proxy.pid, '0');
            await runLoad(proxy.url, mode, 1); // warm-up, not measured
            const acceptedBefore = await origin.accepted();
            const cpuBefore = cpuSeconds(proxy.pid);
            const load = await runLoad(proxy.url, mode, SECONDS);
            const cpu = cpuSeconds(proxy.pid) - cpuBefore;
            const opened = (await origin.accepted()) - acceptedBefore;
            const sample: Sample = {
              rep,
              target: target.name,
              mode,
              requests: load.requests,
              errors: load.errors,
              requestsPerSecond: load.requests / load.seconds,
              cpuMicrosPerRequest: (cpu * 1e6) / Math.max(1, load.requests),
              upstreamConnsPer1k: (opened * 1000) / Math.max(1, load.requests),
            };
            samples.push(sample);
            console.error(
              `# [${samples.length}/${total}] rep ${rep + 1} ${mode} ${target.name}: ${Math.round(sample.requestsPerSecond)} req/s, ` +
                `${sample.cpuMicrosPerRequest.toFixed(1)} µs/req, ${opened} upstream conns, ${load.errors} errors`,
            );
          } finally {
            await proxy.stop();
          }
        }
      }
    }
  } finally {
    await origin.stop();
  }
  const table = report(samples);
  console.log(table);
  mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
  const file = new URL(`../../bench/results/modes-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`, import.meta.url);
  const cpuModel = spawnSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpuModel, cores: availableParallelism(), pinned, reps: REPS, seconds: SECONDS, samples }, null, 2));
  console.error(`# raw samples: ${file.pathname}`);
}

/** Markdown: per mode and target, medians and the median of per-repetition ratios to the baseline. */
function report(samples: Sample[]): string {
  const lines = [
    '| mode | target | req/s | vs baseline | proxy CPU µs/req | vs baseline | upstream conns / 1k req | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const mode of MODES) {
    for (const target of TARGETS) {
      const mine = samples.filter((s) => s.mode === mode && s.target === target.name);
      const ratio = (field: 'requestsPerSecond' | 'cpuMicrosPerRequest') =>
        median(
          mine.map((s) => {
            const base = samples.find((b) => b.mode === mode && b.rep === s.rep && b.target === BASELINE)!;
            return s[field] / base[field];
          }),
        );
      lines.push(
        `| ${mode} | ${target.name} | ${Math.round(median(mine.map((s) => s.requestsPerSecond)))} | ` +
          `${ratio('requestsPerSecond').toFixed(2)}x | ${median(mine.map((s) => s.cpuMicrosPerRequest)).toFixed(1)} | ` +
          `${ratio('cpuMicrosPerRequest').toFixed(2)}x | ${median(mine.map((s) => s.upstreamConnsPer1k)).toFixed(2)} | ` +
          `${mine.reduce((sum, s) => sum + s.errors, 0)} |`,
      );
    }
  }
  return lines.join('\n');
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
