import type { Row } from '../summary.js';
import type { BenchReport } from './bench-report.js';

const LABEL = 240;
const PANEL = 330;
const GAP = 30;
const BAR = 14;
const ROW = 18;
const HEADING = 26;
const WIDTH = LABEL + 2 * PANEL + 2 * GAP;

function colour(target: string): string {
  if (target.startsWith('node/')) return '#3b6fb6';
  if (target.startsWith('uws/')) return '#2a9d8f';
  if (target.startsWith('bare/')) return '#8e6bbf';
  return { nginx: '#4d9a3b', haproxy: '#e08a1e', direct: '#9a9a9a' }[target] ?? '#666';
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x: number, y: number, content: string, extra = '') => `<text x="${x}" y="${y}"${extra}>${escape(content)}</text>`;

/** One horizontal bar scaled to the mode's largest value, its value printed after it. */
function bar(x: number, y: number, value: number | null, max: number, fill: string, digits: number): string {
  if (value === null) return text(x + 2, y + BAR - 3, '—');
  const width = max > 0 ? Math.max(1, (value / max) * (PANEL - 70)) : 1;
  return (
    `<rect x="${x}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${fill}"/>` +
    text(x + width + 4, y + BAR - 3, value.toLocaleString('en-US', { maximumFractionDigits: digits }))
  );
}

/** Bar chart: per mode, each target's proxy CPU µs/request (left) and requests/s (right), medians. */
export function renderSvg(report: BenchReport): string {
  const names = new Map(report.targets.map(({ id, name }) => [id, name]));
  const parts: string[] = [];
  const cpuX = LABEL + GAP / 2;
  const rpsX = cpuX + PANEL + GAP;
  let y = 48;
  for (const mode of report.modes) {
    const rows: Row[] = report.rows.filter((row) => row.mode === mode.id);
    if (!rows.length) continue;
    parts.push(text(8, y + 16, `${mode.id}: ${mode.title}`, ' font-weight="bold"'));
    y += HEADING;
    const maxCpu = Math.max(0, ...rows.map((row) => row.cpuMicrosPerRequest.median ?? 0));
    const maxRps = Math.max(0, ...rows.map((row) => row.requestsPerSecond.median ?? 0));
    for (const row of rows) {
      parts.push(
        text(LABEL, y + BAR - 3, names.get(row.target) ?? row.target, ' text-anchor="end"'),
        bar(cpuX, y, row.cpuMicrosPerRequest.median, maxCpu, colour(row.target), 1),
        bar(rpsX, y, row.requestsPerSecond.median, maxRps, colour(row.target), 0),
      );
      y += ROW;
    }
    y += 6;
  }
  const title = `atomproxy benchmark ${report.date.slice(0, 16).replace('T', ' ')} UTC — ${report.machine.cores} cores, ${report.pinning}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${text(8, 16, title, ' font-size="13" font-weight="bold"')}
${text(cpuX, 38, 'proxy CPU µs per request (lower is better)', ' font-weight="bold"')}
${text(rpsX, 38, 'requests per second (higher is better)', ' font-weight="bold"')}
${parts.join('\n')}
</svg>
`;
}
