/**
 * `npm run bench`: atomproxy (each engine × ATOM_WORKERS 0, 1, 2), direct-to-origin, nginx and HAProxy in one
 * interleaved run, in four client modes (plus body sizes and an autocannon row), then a per-stage CPU profile.
 * Markdown on stdout; JSON, markdown and SVG in bench/results/. Flags: see options.ts or --help.
 */
import { availableParallelism } from 'node:os';
import { registerStop, stopEverything, stopEverythingOnSignals } from './cleanup.js';
import { describeMachine } from './machine.js';
import { MODES } from './modes.js';
import { parseOptions } from './options.js';
import { startNetOrigin } from './origin/net-origin.js';
import { startNginxOrigin } from './origin/nginx-origin.js';
import type { Origin } from './origin/origin.js';
import { pin } from './process-stats.js';
import { profileTarget, type StageProfile } from './profile/run-profile.js';
import type { BenchReport } from './report/bench-report.js';
import { writeResults } from './report/write-results.js';
import { runBenchmark, type Plan } from './run-benchmark.js';
import { summarize } from './summary.js';
import { availableTargets } from './targets/all-targets.js';
import { findTools, type Tools } from './tools.js';

async function startOrigin(tools: Tools): Promise<Origin> {
  const origin = tools.nginx ? await startNginxOrigin(tools.nginx) : await startNetOrigin();
  registerStop(() => origin.stop());
  return origin;
}

async function main(): Promise<void> {
  stopEverythingOnSignals();
  const started = Date.now();
  const options = parseOptions(process.argv.slice(2));
  const tools = findTools(options.without);
  const { targets: available, skipped } = availableTargets(tools);
  const targets = options.targets ? available.filter((target) => options.targets!.includes(target.id)) : available;
  const modes = MODES.filter((mode) => options.modes.includes(mode.id));
  const notes = [...skipped];
  if (targets.some((target) => !target.answersHttp10) && modes.some((mode) => mode.http10)) {
    notes.push('HTTP/1.0 modes for the uws engine: uWebSockets.js does not parse HTTP/1.0 (20.30 leaves it unanswered, 20.57 answers 505)');
  }
  if (!tools.wrk) notes.push('wrk: not installed, so autocannon drives the HTTP/1.1 modes (it caps near 38k req/s: ratios to nginx understate)');
  if (!tools.ab) notes.push("ab: not installed, so the bench's own HTTP/1.0 client drives the HTTP/1.0 modes");
  const pinned = availableParallelism() >= 2 && tools.taskset !== null;
  // The origin, the load clients and the bench inherit CPU 1 from this process; each proxy is moved to CPU 0.
  if (pinned) pin(process.pid, '1');
  const pinning = pinned ? 'Pinned: the proxy on CPU 0; origin, load generator and bench on CPU 1' : 'Not pinned (needs 2+ cores and taskset)';
  console.error(`# ${pinning}`);
  for (const note of notes) console.error(`# skipped: ${note}`);
  const origin = await startOrigin(tools);
  console.error(`# origin: ${origin.kind} at ${origin.url}; ${targets.length} targets × ${modes.length} modes × ${options.reps} reps`);
  const plan: Plan = { targets, modes, origin, tools, options, pinned };
  const { samples, problems } = await runBenchmark(plan);
  const profiles: StageProfile[] = [];
  for (const target of available.filter((target) => options.profile.includes(target.id))) {
    console.error(`# profiling ${target.name} for ${options.profileSeconds} s of keep-alive load (--cpu-prof)`);
    try {
      profiles.push(await profileTarget(target, plan));
    } catch (error) {
      problems.push(`profile of ${target.name}: ${(error as Error).message}`);
    }
  }
  await stopEverything();
  const report: BenchReport = {
    date: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: describeMachine(tools),
    pinning,
    origin: origin.kind === 'nginx' ? 'nginx, 1 worker' : `${origin.kind} in the bench process (nginx missing)`,
    reps: options.reps,
    modes: modes.map(({ id, title }) => ({ id, title })),
    targets: targets.map(({ id, name }) => ({ id, name })),
    notes,
    problems,
    rows: summarize(samples, modes.map((mode) => mode.id), targets.map((target) => target.id)),
    profiles,
    samples,
  };
  const { markdown, files } = writeResults(report, options.outDir);
  console.log(markdown);
  console.error(`# written: ${files.join(', ')} (${Math.round(report.durationSeconds)} s)`);
}

main().catch(async (error: Error) => {
  console.error(`bench failed: ${error.message}`);
  await stopEverything();
  process.exit(1);
});
