import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeClient, pickClient, runClient } from '../load/clients.js';
import { cpuSeconds } from '../process-stats.js';
import { loadSpec, startWarm, type Plan } from '../run-benchmark.js';
import { MODES } from '../modes.js';
import type { Target } from '../targets/target.js';
import { attribute } from './cpuprofile.js';
import { IDLE } from './stages.js';

/** Where one atomproxy setting's CPU goes per request under keep-alive load, from V8's --cpu-prof. */
export interface StageProfile {
  target: string;
  name: string;
  client: string;
  requests: number;
  /** From /proc over the profiled load, the profiler's own overhead included; the stages add up to it. */
  cpuMicrosPerRequest: number;
  /**
   * Non-idle time in the samples. V8 samples wall time, so threads sharing one core overstate it and kernel
   * time is partly missing: the stages are the samples' shares of the /proc figure, not raw sample time.
   */
  sampledMicrosPerRequest: number;
  threads: number;
  stages: Array<{ stage: string; microsPerRequest: number }>;
  topFunctions: Array<{ name: string; stage: string; microsPerRequest: number }>;
}

const PRELOAD = fileURLToPath(new URL('./preload.js', import.meta.url));

const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n); // the clock V8's profile timestamps use

/** Waits until the threads' profiles stop appearing (they write within ~100 ms of the stop file), 5 s at most. */
async function waitForProfiles(dir: string): Promise<void> {
  const count = () => readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).length;
  let seen = -1;
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const now = count();
    if (now > 0 && now === seen) return;
    seen = now;
  }
}

export async function profileTarget(target: Target, plan: Plan): Promise<StageProfile> {
  const dir = mkdtempSync(join(tmpdir(), 'atomproxy-bench-prof-'));
  try {
    // Node refuses --cpu-prof in NODE_OPTIONS, and the proxy is started by the test helper as `node main.js`.
    const running = await startWarm(target, plan, { NODE_OPTIONS: `--import=${PRELOAD}`, BENCH_CPU_PROFILE_DIR: dir });
    const keepAlive = MODES.find((mode) => mode.id === 'keep-alive')!;
    const spec = { ...loadSpec(running.url, keepAlive, plan.options), seconds: plan.options.profileSeconds };
    const client = pickClient(keepAlive.clients, plan.tools);
    const pids = running.pids();
    const cpuBefore = cpuSeconds(pids);
    const from = monotonicMicros();
    const load = await runClient(client, plan.tools, spec);
    const to = monotonicMicros();
    const cpu = cpuSeconds(pids) - cpuBefore;
    writeFileSync(join(dir, 'stop'), '');
    await waitForProfiles(dir);
    await running.stop();
    const { byStage, byFunction, threads } = attribute(dir, from, to);
    const sampled = [...byStage].filter(([stage]) => stage !== IDLE).reduce((sum, [, micros]) => sum + micros, 0);
    const perRequest = (micros: number) => micros / Math.max(1, load.ok);
    const scaled = (micros: number) => perRequest((micros / Math.max(1, sampled)) * cpu * 1e6);
    return {
      target: target.id,
      name: target.name,
      client: describeClient(client, spec),
      requests: load.ok,
      cpuMicrosPerRequest: perRequest(cpu * 1e6),
      sampledMicrosPerRequest: perRequest(sampled),
      threads,
      stages: [...byStage]
        .filter(([stage]) => stage !== IDLE)
        .map(([stage, micros]) => ({ stage, microsPerRequest: scaled(micros) }))
        .sort((a, b) => b.microsPerRequest - a.microsPerRequest),
      topFunctions: [...byFunction]
        .filter(([, { stage }]) => stage !== IDLE)
        .map(([name, { stage, micros }]) => ({ name, stage, microsPerRequest: scaled(micros) }))
        .sort((a, b) => b.microsPerRequest - a.microsPerRequest)
        .slice(0, 12),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
