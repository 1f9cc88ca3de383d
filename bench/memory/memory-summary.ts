import { median, perPair } from '../summary.js';
import type { MemorySample } from './run-memory.js';

/** One target in one memory case: medians over the repetitions. */
export interface MemoryRow {
  target: string;
  case: string;
  reps: number;
  idleRssBytes: number;
  peakRssBytes: number;
  peakHeldBytes: number;
  seconds: number;
}

type Measured = 'idleRssBytes' | 'peakRssBytes' | 'peakHeldBytes' | 'seconds';

/** Rows in the order of `cases` then `targets`; a pair without any sample (it failed) is left out. */
export function summarizeMemory(samples: MemorySample[], cases: string[], targets: string[]): MemoryRow[] {
  return perPair(samples, (sample) => sample.case, cases, targets, (mine) => {
    const of = (field: Measured) => median(mine.map((sample) => sample[field]))!;
    return {
      target: mine[0]!.target,
      case: mine[0]!.case,
      reps: mine.length,
      idleRssBytes: of('idleRssBytes'),
      peakRssBytes: of('peakRssBytes'),
      peakHeldBytes: of('peakHeldBytes'),
      seconds: of('seconds'),
    };
  });
}
