import type { ThreadRow } from '../threads/thread-summary.js';
import { PROJECTED_THREADS } from '../threads/thread-figures.js';

const fixed = (value: number | null, digits: number) =>
  value === null ? '—' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** One mode's CPU by thread group, busiest thread, hop rate and projection: one line per target. */
export function threadTable(rows: ThreadRow[], names: Map<string, string>): string[] {
  const projected = PROJECTED_THREADS.map((threads) => `proj. req/s, ${threads} threads`);
  const lines = [
    `| target | main µs/req | worker µs/req | accepting | other µs/req | total µs/req | CPU vs baseline | busiest | busiest share | serial ceiling req/s | hop rate | ${projected.join(' | ')} |`,
    `|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|${projected.map(() => '---:').join('|')}|`,
  ];
  for (const row of rows) {
    const workers = row.workerMicrosPerRequest.length ? row.workerMicrosPerRequest.map((micros) => fixed(micros, 1)).join(' · ') : '—';
    const projection = PROJECTED_THREADS.map((threads) => fixed(row.projected?.find((p) => p.threads === threads)?.requestsPerSecond ?? null, 0));
    const accepting = row.acceptingWorkers === null ? '—' : `${row.acceptingWorkers} of ${row.workerMicrosPerRequest.length}`;
    lines.push(
      `| ${names.get(row.target)} | ${fixed(row.mainMicrosPerRequest, 1)} | ${workers} | ${accepting} | ${fixed(row.otherMicrosPerRequest, 1)} | ` +
        `${fixed(row.totalMicrosPerRequest, 1)} | ${row.cpuVsBaseline === null ? '—' : `${row.cpuVsBaseline.toFixed(2)}x`} | ` +
        `${row.busiestGroup}: ${fixed(row.busiestMicrosPerRequest, 1)} | ${(100 * row.busiestShare).toFixed(0)} % | ` +
        `${fixed(row.serialCeiling, 0)} | ${row.hopRate === null ? '—' : `${(100 * row.hopRate).toFixed(1)} %`} | ${projection.join(' | ')} |`,
    );
  }
  return lines;
}

/** What the columns are, printed once after the mode tables. */
export const THREAD_TABLE_LEGEND = [
  'CPU µs per 2xx response by thread, from /proc/<pid>/task/<tid>/schedstat over each measured run. atomproxy: "main" is the',
  'main thread (it only supervises), "worker" each worker thread named by the admin view (in thread order; "accepting":',
  'how many listen on the client port), "other" every',
  'other thread (V8 platform helpers, libuv pool; all but the main thread for a build without the threads view); nginx:',
  'master and worker processes. "CPU vs baseline" is the proxy CPU µs/req against the `baseline` target in the same mode',
  'and repetition. Busiest: the busiest worker (the main thread when there is none) and its share of the total. Serial',
  'ceiling = 1e6 / busiest µs/req. Hop rate = hops / atoms over the run (admin view). Projection for N threads on N cores =',
  'N × 1e6 / (Σ worker µs/req + other µs/req), at most 1e6 / main µs/req, at the measured hop rate; none without workers.',
];
