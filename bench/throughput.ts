import { registerStop } from './cleanup.js';
import type { Mode } from './modes.js';
import type { Options } from './options.js';
import { startNetOrigin } from './origin/net-origin.js';
import { startNginxOrigin } from './origin/nginx-origin.js';
import type { Origin } from './origin/origin.js';
import { profileTarget, type StageProfile } from './profile/run-profile.js';
import { runBenchmark } from './run-benchmark.js';
import type { Sample } from './sample.js';
import { summarize, type Row } from './summary.js';
import type { Target } from './targets/target.js';
import { summarizeThreads, type ThreadRow } from './threads/thread-summary.js';
import { prepareTlsModes } from './tls-modes.js';
import type { Tools } from './tools.js';

/** What the throughput scenario adds to the report. */
export interface Throughput {
  origin: string;
  rows: Row[];
  threadRows: ThreadRow[];
  profiles: StageProfile[];
  samples: Sample[];
  notes: string[];
  problems: string[];
}

function startOrigin(tools: Tools): Promise<Origin> {
  return tools.nginx ? startNginxOrigin(tools.nginx) : startNetOrigin();
}

/** The client modes on every target, then the per-stage profile of the targets --profile names (out of `available`). */
export async function runThroughput(targets: Target[], available: Target[], modes: Mode[], tools: Tools, options: Options, pinned: boolean): Promise<Throughput> {
  const notes: string[] = [];
  if (targets.some((target) => !target.answersHttp10) && modes.some((mode) => mode.http10)) {
    notes.push('HTTP/1.0 modes for the uws engine: uWebSockets.js does not parse HTTP/1.0 (20.30 leaves it unanswered, 20.57 answers 505)');
  }
  if (!tools.wrk) notes.push('wrk: not installed, so autocannon drives the HTTP/1.1 modes (it caps near 38k req/s: ratios to nginx understate)');
  if (!tools.ab) notes.push("ab: not installed, so the bench's own HTTP/1.0 client drives the HTTP/1.0 modes");
  const tls = prepareTlsModes(targets, modes, tools);
  notes.push(...tls.notes);
  for (const note of notes) console.error(`# skipped: ${note}`);
  const origin = await startOrigin(tools);
  const unregister = registerStop(() => origin.stop());
  console.error(`# origin: ${origin.kind} at ${origin.url}; ${targets.length} targets × ${modes.length} modes × ${options.reps} reps`);
  const plan = { targets, modes, origin, tools, options, pinned, tls: tls.certificate };
  const { samples, problems } = await runBenchmark(plan);
  const profiles: StageProfile[] = [];
  for (const target of available.filter((target) => options.profile.includes(target.id))) {
    console.error(`# profiling ${target.name} for ${options.profileSeconds} s of keep-alive load (--cpu-prof)`);
    try {
      profiles.push(await profileTarget(target, { ...plan, tls: null })); // profiled as before the TLS modes: no HTTPS listener
    } catch (error) {
      problems.push(`profile of ${target.name}: ${(error as Error).message}`);
    }
  }
  unregister();
  await origin.stop();
  tls.remove();
  const [modeIds, targetIds] = [modes.map((mode) => mode.id), targets.map((target) => target.id)];
  return {
    origin: origin.kind === 'nginx' ? 'nginx, 1 worker' : `${origin.kind} in the bench process (nginx missing)`,
    rows: summarize(samples, modeIds, targetIds),
    threadRows: summarizeThreads(samples, modeIds, targetIds),
    profiles,
    samples,
    notes,
    problems,
  };
}
