import type { MemoryRow } from '../memory/memory-summary.js';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/** One memory case: per target its idle RSS, peak RSS while the body moved, what was held between the two sides, duration. */
export function memoryTable(rows: MemoryRow[], names: Map<string, string>): string[] {
  return [
    '| target | idle RSS MiB | peak RSS MiB | held between MiB | seconds |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (row) => `| ${names.get(row.target)} | ${mib(row.idleRssBytes)} | ${mib(row.peakRssBytes)} | ${mib(row.peakHeldBytes)} | ${row.seconds.toFixed(1)} |`,
    ),
  ];
}

/** What the columns are, printed once above the memory tables. */
export const MEMORY_TABLE_LEGEND = [
  "Each case on a freshly started target. Idle RSS: the target's processes 1 s after start, before any traffic. Peak",
  'RSS: VmHWM while the body moved (reset to the idle RSS just before). Held between: the most body bytes the fast side',
  '(origin for a download, client for an upload) was ahead of the slow side: kernel socket buffers on both sides plus',
  "what the target held in memory or, nginx, spooled to its temp files. Issue 9's goal: peak RSS ≤ 128 MiB in both cases.",
];
