import type { Sample } from '../sample.js';
import { median, medianRatio, perPair } from '../summary.js';
import { threadFigures } from './thread-figures.js';
import type { ThreadSplit } from './thread-split.js';

/** One target in one mode: medians over the repetitions of its thread split and what follows from it. */
export interface ThreadRow {
  mode: string;
  target: string;
  reps: number;
  mainMicrosPerRequest: number;
  /** By worker index. */
  workerMicrosPerRequest: number[];
  /** Workers listening on the client port (admin view), median over the repetitions; null without the view. */
  acceptingWorkers: number | null;
  otherMicrosPerRequest: number;
  totalMicrosPerRequest: number;
  /** The proxy CPU µs/request (the mode table's) against the baseline target's in the same mode and repetition. */
  cpuVsBaseline: number | null;
  /** The group most often busiest over the repetitions, e.g. "worker 1". */
  busiestGroup: string;
  busiestMicrosPerRequest: number;
  busiestShare: number;
  serialCeiling: number | null;
  hopRate: number | null;
  projected: Array<{ threads: number; requestsPerSecond: number }> | null;
}

function medianOf(values: Array<number | null>): number | null {
  return median(values.filter((value): value is number => value !== null));
}

function acceptingCount(split: ThreadSplit): number | null {
  const known = split.workers.filter((worker) => worker.accepting !== null);
  return known.length ? known.filter((worker) => worker.accepting).length : null;
}

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

function threadRow(mine: Sample[], all: Sample[]): ThreadRow {
  const splits = mine.map((sample) => sample.threads!);
  const figures = splits.map(threadFigures);
  const workerCount = Math.max(...splits.map((split) => split.workers.length));
  const projections = figures.map((figure) => figure.projected).filter((projected) => projected !== null);
  return {
    mode: mine[0]!.mode,
    target: mine[0]!.target,
    reps: mine.length,
    mainMicrosPerRequest: median(splits.map((split) => split.mainMicrosPerRequest))!,
    acceptingWorkers: medianOf(splits.map(acceptingCount)),
    workerMicrosPerRequest: Array.from({ length: workerCount }, (_, i) => medianOf(splits.map((split) => split.workers[i]?.microsPerRequest ?? null))!),
    otherMicrosPerRequest: median(splits.map((split) => split.otherMicrosPerRequest))!,
    totalMicrosPerRequest: median(figures.map((figure) => figure.totalMicrosPerRequest))!,
    cpuVsBaseline: medianRatio(mine, all, 'baseline', (sample) => sample.cpuMicrosPerRequest),
    busiestGroup: mostCommon(figures.map((figure) => figure.busiest.group)),
    busiestMicrosPerRequest: median(figures.map((figure) => figure.busiest.microsPerRequest))!,
    busiestShare: median(figures.map((figure) => figure.busiest.share))!,
    serialCeiling: medianOf(figures.map((figure) => figure.serialCeiling)),
    hopRate: medianOf(figures.map((figure) => figure.hopRate)),
    projected: projections.length
      ? projections[0]!.map(({ threads }, i) => ({ threads, requestsPerSecond: median(projections.map((projected) => projected[i]!.requestsPerSecond))! }))
      : null,
  };
}

/** Rows in the order of `modes` then `targets`, for every pair with a thread split (not direct). */
export function summarizeThreads(samples: Sample[], modes: string[], targets: string[]): ThreadRow[] {
  const split = samples.filter((sample) => sample.threads !== null);
  return perPair(split, (sample) => sample.mode, modes, targets, (mine) => threadRow(mine, samples));
}
