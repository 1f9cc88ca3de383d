/**
 * `npm run bench`: atomproxy (each engine × ATOM_WORKERS 1, 2, and with --baseline an older build in-thread),
 * the bare relays (the CPU floor of atomproxy's stack), direct-to-origin, nginx and HAProxy in one interleaved
 * run: the throughput scenario (client modes, per-thread CPU split, per-stage profile), the memory scenario (RSS
 * with large, slowly read bodies) and the long-haul scenario (HTTPS on both sides to an origin 100 ms away).
 * Markdown on stdout; JSON, markdown and SVG in bench/results/. Flags: see options.ts or --help.
 */
import { availableParallelism } from 'node:os';
import { stopEverything, stopEverythingOnSignals } from './cleanup.js';
import { appendLongHaul } from './long-haul/long-haul-table.js';
import { runLongHaul } from './long-haul/long-haul-scenario.js';
import { describeMachine } from './machine.js';
import { runMemoryScenario } from './memory/memory-scenario.js';
import { MODES } from './modes.js';
import { parseOptions } from './options.js';
import { pin } from './process-stats.js';
import type { BenchReport } from './report/bench-report.js';
import { writeResults } from './report/write-results.js';
import { availableTargets } from './targets/all-targets.js';
import { runThroughput } from './throughput.js';
import { findTools } from './tools.js';

async function main(): Promise<void> {
  stopEverythingOnSignals();
  const started = Date.now();
  const options = parseOptions(process.argv.slice(2));
  const tools = findTools(options.without);
  const { targets: available, skipped } = availableTargets(tools, options.baseline);
  const targets = options.targets ? available.filter((target) => options.targets!.includes(target.id)) : available;
  const modes = options.scenarios.includes('throughput') ? MODES.filter((mode) => options.modes.includes(mode.id)) : [];
  const pinned = availableParallelism() >= 2 && tools.taskset !== null;
  // The origin, the load clients and the bench inherit CPU 1 from this process; each proxy is moved to CPU 0.
  if (pinned) pin(process.pid, '1');
  const placement = pinned ? 'Pinned: the proxy on CPU 0; origin, load generator and bench on CPU 1' : 'Not pinned (needs 2+ cores and taskset)';
  const pinning = options.sideBySide ? `${placement}. Side by side: the targets of a repetition ran at once, each under its own load, sharing the CPUs` : placement;
  console.error(`# ${pinning}`);
  for (const note of skipped) console.error(`# skipped: ${note}`);
  const throughput = modes.length ? await runThroughput(targets, available, modes, tools, options, pinned) : null;
  const memory = options.scenarios.includes('memory') ? await runMemoryScenario(targets, options, pinned) : null;
  const longHaul = options.scenarios.includes('long-haul') ? await runLongHaul(tools, options, pinned) : null;
  await stopEverything();
  const report: BenchReport & { longHaul: typeof longHaul } = {
    date: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: describeMachine(tools),
    pinning,
    origin: throughput?.origin ?? null,
    reps: options.reps,
    modes: modes.map(({ id, title }) => ({ id, title })),
    targets: targets.map(({ id, name }) => ({ id, name })),
    notes: [...skipped, ...(throughput?.notes ?? []), ...(memory?.notes ?? []), ...(longHaul?.notes ?? [])],
    problems: [...(throughput?.problems ?? []), ...(memory?.problems ?? []), ...(longHaul?.problems ?? [])],
    rows: throughput?.rows ?? [],
    threadRows: throughput?.threadRows ?? [],
    profiles: throughput?.profiles ?? [],
    memory: memory && { cases: memory.cases, rows: memory.rows, samples: memory.samples },
    samples: throughput?.samples ?? [],
    longHaul,
  };
  const { markdown, files } = writeResults(report, options.outDir);
  console.log(markdown + (longHaul ? appendLongHaul(files[1]!, longHaul) : ''));
  console.error(`# written: ${files.join(', ')} (${Math.round(report.durationSeconds)} s)`);
}

main().catch(async (error: Error) => {
  console.error(`bench failed: ${error.message}`);
  await stopEverything();
  process.exit(1);
});
