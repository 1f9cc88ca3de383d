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
  upstreamConnsPer1k: number;
  upstreamConnsOpened: number;
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function figured(mine: Sample[], all: Sample[], figure: Figure): Figured {
  const values = mine.map((s) => s[figure]).filter((v): v is number => v !== null);
  const ratios: number[] = [];
  for (const sample of mine) {
    const nginx = all.find((s) => s.target === 'nginx' && s.mode === sample.mode && s.rep === sample.rep);
    const [value, base] = [sample[figure], nginx?.[figure]];
    if (value !== null && base) ratios.push(value / base);
  }
  return { median: median(values), vsNginx: median(ratios) };
}

/** Rows in the order of `modes` then `targets`; a pair without any sample (it failed) is left out. */
export function summarize(samples: Sample[], modes: string[], targets: string[]): Row[] {
  const rows: Row[] = [];
  for (const mode of modes) {
    for (const target of targets) {
      const mine = samples.filter((s) => s.mode === mode && s.target === target);
      if (!mine.length) continue;
      const sum = (field: 'errors' | 'non2xx') => mine.reduce((total, s) => total + s[field], 0);
      rows.push({
        mode,
        target,
        client: mine[0]!.client,
        reps: mine.length,
        errors: sum('errors'),
        non2xx: sum('non2xx'),
        upstreamConnsPer1k: median(mine.map((s) => s.upstreamConnsPer1k))!,
        upstreamConnsOpened: median(mine.map((s) => s.upstreamConnsOpened))!,
        ...(Object.fromEntries(FIGURES.map((figure) => [figure, figured(mine, samples, figure)])) as Record<Figure, Figured>),
      });
    }
  }
  return rows;
}
