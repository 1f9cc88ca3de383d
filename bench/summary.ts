import type { Sample } from './sample.js';

/** Figures that get a median and a ratio to nginx. */
const FIGURES = ['requestsPerSecond', 'p50Ms', 'p99Ms', 'cpuMicrosPerRequest', 'peakRssBytes'] as const;
type Figure = (typeof FIGURES)[number];

/** A median and the median of the per-repetition ratios to nginx in the same mode and repetition. */
export interface Figured {
  median: number | null;
  vsNginx: number | null;
}

/** One target in one mode, over the repetitions. */
export interface Row extends Record<Figure, Figured> {
  mode: string;
  target: string;
  client: string;
  reps: number;
  errors: number;
  non2xx: number;
  upstreamConnsPer1k: number | null;
  upstreamConnsOpened: number | null;
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median over `mine` of value(sample) / value(the `reference` target's sample in the same mode and repetition). */
export function medianRatio(mine: Sample[], all: Sample[], reference: string, value: (sample: Sample) => number | null): number | null {
  const ratios: number[] = [];
  for (const sample of mine) {
    const base = all.find((s) => s.target === reference && s.mode === sample.mode && s.rep === sample.rep);
    const [own, of] = [value(sample), base ? value(base) : null];
    if (own !== null && of) ratios.push(own / of);
  }
  return median(ratios);
}

function figured(mine: Sample[], all: Sample[], figure: Figure): Figured {
  const values = mine.map((s) => s[figure]).filter((v): v is number => v !== null);
  return { median: median(values), vsNginx: medianRatio(mine, all, 'nginx', (sample) => sample[figure]) };
}

/**
 * One row per group (a mode, a memory case) then target, in the orders given, built from that pair's samples; a
 * pair without any sample (it failed) is left out.
 */
export function perPair<S extends { target: string }, T>(
  samples: S[],
  groupOf: (sample: S) => string,
  groups: string[],
  targets: string[],
  row: (mine: S[]) => T,
): T[] {
  const rows: T[] = [];
  for (const group of groups) {
    for (const target of targets) {
      const mine = samples.filter((sample) => groupOf(sample) === group && sample.target === target);
      if (mine.length) rows.push(row(mine));
    }
  }
  return rows;
}

/** Rows in the order of `modes` then `targets`; a pair without any sample (it failed) is left out. */
export function summarize(samples: Sample[], modes: string[], targets: string[]): Row[] {
  return perPair(samples, (sample) => sample.mode, modes, targets, (mine) => {
    const sum = (field: 'errors' | 'non2xx') => mine.reduce((total, s) => total + s[field], 0);
    return {
      mode: mine[0]!.mode,
      target: mine[0]!.target,
      client: mine[0]!.client,
      reps: mine.length,
      errors: sum('errors'),
      non2xx: sum('non2xx'),
      upstreamConnsPer1k: median(mine.flatMap((s) => s.upstreamConnsPer1k ?? [])),
      upstreamConnsOpened: median(mine.flatMap((s) => s.upstreamConnsOpened ?? [])),
      ...(Object.fromEntries(FIGURES.map((figure) => [figure, figured(mine, samples, figure)])) as Record<Figure, Figured>),
    };
  });
}
