import type { Figured, Row } from '../summary.js';
import type { StageProfile } from '../profile/run-profile.js';
import type { BenchReport } from './bench-report.js';
import { MEMORY_TABLE_LEGEND, memoryTable } from './memory-table.js';
import { THREAD_TABLE_LEGEND, threadTable } from './thread-table.js';

const number = (value: number, digits: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** "21,034 (0.33x)": the median, and the median ratio to nginx when there is one. */
function cell({ median, vsNginx }: Figured, digits: number, scale = 1): string {
  if (median === null) return '—';
  return `${number(median / scale, digits)}${vsNginx === null ? '' : ` (${vsNginx.toFixed(2)}x)`}`;
}

function modeTable(rows: Row[], names: Map<string, string>): string[] {
  const lines = [
    '| target | req/s | p50 ms | p99 ms | errors | non-2xx | proxy CPU µs/req | upstream conns / 1k req | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${names.get(row.target)} | ${cell(row.requestsPerSecond, 0)} | ${cell(row.p50Ms, 2)} | ${cell(row.p99Ms, 2)} | ` +
        `${row.errors} | ${row.non2xx} | ${cell(row.cpuMicrosPerRequest, 1)} | ${row.upstreamConnsPer1k === null ? '—' : number(row.upstreamConnsPer1k, 2)} | ` +
        `${cell(row.peakRssBytes, 0, 2 ** 20)} |`,
    );
  }
  return lines;
}

function profileTable(profile: StageProfile): string[] {
  const lines = [
    `**${profile.name}** — \`${profile.client}\`, ${number(profile.requests, 0)} requests, ${profile.threads} thread(s) profiled: ` +
      `${profile.cpuMicrosPerRequest.toFixed(1)} µs/req CPU from /proc under the profiler (${profile.sampledMicrosPerRequest.toFixed(1)} µs/req ` +
      'of non-idle wall time in the samples; stages are their shares of the /proc figure).',
    '',
    '| stage | µs/req | share |',
    '|---|---:|---:|',
    ...profile.stages.map(
      ({ stage, microsPerRequest }) => `| ${stage} | ${microsPerRequest.toFixed(1)} | ${((100 * microsPerRequest) / profile.cpuMicrosPerRequest).toFixed(0)} % |`,
    ),
    '',
    '| top self-time function | stage | µs/req |',
    '|---|---|---:|',
    ...profile.topFunctions.map(({ name, stage, microsPerRequest }) => `| \`${name}\` | ${stage} | ${microsPerRequest.toFixed(2)} |`),
  ];
  return lines;
}

/** The report as markdown: setup, per client mode its table and CPU by thread, the memory scenario, the per-stage profile. */
export function renderMarkdown(report: BenchReport): string {
  const names = new Map(report.targets.map(({ id, name }) => [id, name]));
  const { machine } = report;
  const lines = [
    `## atomproxy benchmark ${report.date.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, kernel ${machine.kernel}, Node ${machine.node}.`,
    `- Tools: ${Object.values(machine.tools).join('; ') || 'none installed'}.`,
    `- ${report.pinning}.${report.origin === null ? '' : ` Origin: ${report.origin}.`}`,
    `- ${report.reps} repetition(s), ${Math.round(report.durationSeconds)} s in all. Figures are medians; "(0.33x)" is the median of the ` +
      'per-repetition ratios to nginx in the same mode and repetition. req/s and µs/req count 2xx responses only; ' +
      'errors and non-2xx are summed over repetitions.',
    ...report.notes.map((note) => `- Skipped: ${note}.`),
    ...report.problems.map((problem) => `- **Problem:** ${problem}`),
  ];
  for (const mode of report.modes) {
    const rows = report.rows.filter((row) => row.mode === mode.id);
    if (!rows.length) continue;
    lines.push('', `### ${mode.id}: ${mode.title}`, '', `\`${rows[0]!.client}\``, '', ...modeTable(rows, names));
    const threadRows = report.threadRows.filter((row) => row.mode === mode.id);
    if (threadRows.length) lines.push('', `CPU by thread, ${mode.id}:`, '', ...threadTable(threadRows, names));
  }
  if (report.threadRows.length) lines.push('', '### How to read the CPU-by-thread tables', '', ...THREAD_TABLE_LEGEND);
  if (report.memory) {
    lines.push('', '### memory: RSS with large, slowly read bodies', '', ...MEMORY_TABLE_LEGEND);
    for (const memoryCase of report.memory.cases) {
      const rows = report.memory.rows.filter((row) => row.case === memoryCase.id);
      if (rows.length) lines.push('', `#### ${memoryCase.id}: ${memoryCase.title}`, '', ...memoryTable(rows, names));
    }
  }
  if (report.profiles.length) {
    lines.push('', '### Per-stage CPU profile (keep-alive, --cpu-prof, every thread)', '');
    for (const profile of report.profiles) lines.push(...profileTable(profile), '');
  }
  return lines.join('\n').trimEnd() + '\n';
}
