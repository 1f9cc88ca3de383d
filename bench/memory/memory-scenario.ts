import { registerStop } from '../cleanup.js';
import type { Options } from '../options.js';
import { startBodyOrigin } from '../origin/body-origin.js';
import type { Target } from '../targets/target.js';
import { memoryCases } from './memory-cases.js';
import { summarizeMemory, type MemoryRow } from './memory-summary.js';
import { runMemory, type MemorySample } from './run-memory.js';

/** What the memory scenario adds to the report. */
export interface Memory {
  cases: Array<{ id: string; title: string }>;
  rows: MemoryRow[];
  samples: MemorySample[];
  notes: string[];
  problems: string[];
}

/**
 * Idle and peak RSS of every proxy target with large, slowly read bodies: not direct (no process of its own), nor
 * the CPU floors (not proxies to compare; bare/uws does not even hold a slow upload back).
 */
export async function runMemoryScenario(targets: Target[], options: Options, pinned: boolean): Promise<Memory> {
  const proxies = targets.filter((target) => target.id !== 'direct' && !target.floor);
  const notes = targets.filter((target) => target.floor).map(({ id }) => `${id} in the memory scenario: a CPU floor, measured in the throughput scenario only`);
  for (const note of notes) console.error(`# skipped: ${note}`);
  const cases = memoryCases(options.quick);
  const origin = await startBodyOrigin();
  const unregister = registerStop(() => origin.stop());
  console.error(`# memory: ${origin.kind} at ${origin.url}; ${proxies.length} targets × ${cases.length} cases × ${options.reps} reps`);
  try {
    const { samples, problems } = await runMemory({ targets: proxies, cases, origin, reps: options.reps, pinned });
    return {
      cases: cases.map(({ id, title }) => ({ id, title })),
      rows: summarizeMemory(samples, cases.map((memoryCase) => memoryCase.id), proxies.map((target) => target.id)),
      samples,
      notes,
      problems,
    };
  } finally {
    unregister();
    await origin.stop();
  }
}
