import { appendFileSync } from 'node:fs';
import type { LongHaul, LongHaulHandshakeRow } from './long-haul-scenario.js';
import { ORIGIN_NAME } from './far-origin.js';
import { CLIENT_GROUPS, PHASES } from './phases.js';

const ms = (value: number | null) => (value === null ? '—' : String(value));

/** Milliseconds as round trips of the emulated link. */
const rtt = (value: number | null, rttMs: number) => (value === null ? '—' : (value / rttMs).toFixed(2));

const per1k = (count: number, requests: number) => (requests ? ((1000 * count) / requests).toFixed(0) : '—');

function handshakeLine(name: string, phase: string, row: Omit<LongHaulHandshakeRow, 'target' | 'phase'>): string {
  const { requests, full, resumed, failed, connections } = row;
  return `| ${name} | ${phase} | ${requests} | ${full} | ${resumed} | ${failed} | ${per1k(full, requests)} | ${per1k(resumed, requests)} | ${connections} |`;
}

/** Every phase of one target added up. */
function total(rows: LongHaulHandshakeRow[]): Omit<LongHaulHandshakeRow, 'target' | 'phase'> {
  const sum = (field: 'requests' | 'full' | 'resumed' | 'failed' | 'connections') => rows.reduce((acc, row) => acc + row[field], 0);
  return { requests: sum('requests'), full: sum('full'), resumed: sum('resumed'), failed: sum('failed'), connections: sum('connections') };
}

/** The long-haul section of the report: latency per target, phase and client group, then the origin's handshakes. */
export function renderLongHaul(longHaul: LongHaul): string {
  const names = new Map(longHaul.targets.map(({ id, name }) => [id, name]));
  const [keepAlive, close] = [CLIENT_GROUPS['keep-alive'], CLIENT_GROUPS.close];
  const title = `### long-haul: HTTPS on both sides, ${longHaul.rttMs} ms round trip to the origin (the forum case)`;
  if (!longHaul.targets.length) return `${title}\n\nNo target was measured (see Skipped above).\n`;
  const lines = [
    title,
    '',
    `Clients speak TLS to the target on loopback; the target speaks TLS to ${longHaul.origin ?? 'the origin'} (SNI`,
    `${ORIGIN_NAME}, its certificate verified against a test CA), and the relay also plays TCP's connect round trip. 1 RTT`,
    `= ${longHaul.rttMs} ms is the floor for a request that crosses the link; a request on a new upstream connection with a`,
    'resumed TLS 1.3 session costs 3 (TCP, TLS, the request). Each target starts fresh, without warm-up, and runs the',
    `phases in order: ${PHASES.map((phase) => phase.id).join(', ')}. The client groups: ${keepAlive.requests} requests,`,
    `${keepAlive.concurrency} at a time on keep-alive connections, and ${close.requests} one after another, each on a new connection.`,
    "Latencies are ab's per-request total times (whole ms), nearest rank, with nothing left out: the close group's p99 is",
    "its slowest request, usually its first, which may open the target's first upstream connection. One pass per target",
    '(--reps counts for the other scenarios): the emulated link, not the CPU, sets these figures.',
    '',
    '| target | phase | clients | requests | errors | kept alive | p50 ms | p50 RTT | p99 ms | p99 RTT | max ms |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...longHaul.rows.map(
      (row) =>
        `| ${names.get(row.target)} | ${row.phase} | \`${row.command}\` | ${row.requests} | ${row.errors} | ${row.keptAlive} | ` +
        `${ms(row.p50Ms)} | ${rtt(row.p50Ms, longHaul.rttMs)} | ${ms(row.p99Ms)} | ${rtt(row.p99Ms, longHaul.rttMs)} | ${ms(row.maxMs)} |`,
    ),
    '',
    '#### long-haul: TLS handshakes at the origin (full, resumed from a session ticket or id, failed) and its TCP connections',
    '',
    '| target | phase | requests | full | resumed | failed | full / 1k req | resumed / 1k req | TCP connections |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { id, name } of longHaul.targets) {
    const rows = longHaul.handshakeRows.filter((row) => row.target === id);
    lines.push(...rows.map((row) => handshakeLine(name, row.phase, row)), handshakeLine(name, '**all phases**', total(rows)));
  }
  return lines.join('\n') + '\n';
}

/** Appends the section to the markdown file the report was written to; returns it for stdout. */
export function appendLongHaul(markdownFile: string, longHaul: LongHaul): string {
  const section = '\n' + renderLongHaul(longHaul);
  appendFileSync(markdownFile, section);
  return section;
}
