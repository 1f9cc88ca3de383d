import { findTool } from '../../test/helpers/find-tool.js';
import type { Options } from '../options.js';
import { pin } from '../process-stats.js';
import type { Tools } from '../tools.js';
import type { AbRequests } from './ab-requests.js';
import { startFarOrigin, type FarOrigin } from './far-origin.js';
import type { LongHaulTarget, StartedTarget } from './long-haul-target.js';
import { longHaulTargets } from './long-haul-targets.js';
import { PHASES, runPhase, type ClientGroup } from './phases.js';
import { waitForTls } from './tls-ready.js';

/** 50 ms each way: the 100 ms round trip of ANCHOR-BENCH's long-haul measurement. */
const DELAY_MS = 50;

/** One client group in one phase through one target; latencies from ab's per-request times. */
export interface LongHaulRow {
  target: string;
  phase: string;
  group: ClientGroup;
  command: string;
  requests: number;
  errors: number;
  keptAlive: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** What the origin saw during one phase through one target. */
export interface LongHaulHandshakeRow {
  target: string;
  phase: string;
  /** Requests of every group in the phase. */
  requests: number;
  full: number;
  resumed: number;
  failed: number;
  /** TCP connections the origin accepted. */
  connections: number;
}

/** What the long-haul scenario adds to the report. */
export interface LongHaul {
  delayMs: number;
  rttMs: number;
  origin: string | null;
  targets: Array<{ id: string; name: string }>;
  rows: LongHaulRow[];
  handshakeRows: LongHaulHandshakeRow[];
  notes: string[];
  problems: string[];
}

/** Nearest rank: with 15 requests p50 is the 8th fastest and p99 the slowest. */
function percentile(sorted: number[], p: number): number | null {
  return sorted.length ? sorted[Math.ceil((p / 100) * sorted.length) - 1]! : null;
}

function figures({ command, completed, errors, keptAlive, latenciesMs }: AbRequests): Omit<LongHaulRow, 'target' | 'phase' | 'group'> {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { command, requests: completed, errors, keptAlive, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? null };
}

const firstLine = (error: unknown) => String((error as Error).message ?? error).trim().split('\n')[0]!;

/** Starts `target` in front of `far` (pinned to CPU 0), runs every phase on it, stops it. */
async function measureTarget(target: LongHaulTarget, far: FarOrigin, ab: string, pinned: boolean, into: LongHaul): Promise<void> {
  let started: StartedTarget;
  try {
    started = await target.start(far);
  } catch (error) {
    // Such as an atomproxy build that refuses the TLS variables.
    into.notes.push(`long-haul ${target.id}: ${firstLine(error)}`);
    return;
  }
  const { running, url } = started;
  into.targets.push({ id: target.id, name: target.name });
  try {
    if (pinned) for (const pid of running.pids()) pin(pid, '0');
    await waitForTls(url, far.certificates.caFile);
    for (const phase of PHASES) {
      console.error(`# long-haul: ${target.id}, ${phase.id}`);
      const result = await runPhase(ab, url, phase.groups, far.origin);
      for (const { group, requests } of result.runs) into.rows.push({ target: target.id, phase: phase.id, group, ...figures(requests) });
      const requests = result.runs.reduce((sum, run) => sum + run.requests.completed, 0);
      into.handshakeRows.push({ target: target.id, phase: phase.id, requests, ...result.handshakes, connections: result.connections });
    }
  } catch (error) {
    into.problems.push(`long-haul ${target.id}: ${(error as Error).message}`);
  } finally {
    await running.stop().catch((error: Error) => into.problems.push(`long-haul ${target.id} did not stop cleanly: ${error.message}`));
  }
}

/**
 * The forum operator's case: HTTPS clients, a proxy, and the HTTPS origin 100 ms away. Every target runs the phases
 * once (the emulated link, not CPU, sets the latencies), one target after another against the same origin.
 */
export async function runLongHaul(tools: Tools, options: Options, pinned: boolean): Promise<LongHaul> {
  const longHaul: LongHaul = { delayMs: DELAY_MS, rttMs: 2 * DELAY_MS, origin: null, targets: [], rows: [], handshakeRows: [], notes: [], problems: [] };
  const missing = [!tools.ab && 'ab (apache2-utils)', !findTool('openssl') && 'openssl'].filter(Boolean);
  if (missing.length) {
    longHaul.notes.push(`long-haul: needs ${missing.join(' and ')}`);
    return longHaul;
  }
  const targets = longHaulTargets(tools, options.targets);
  const far = await startFarOrigin(DELAY_MS);
  longHaul.origin = far.upstream.kind;
  console.error(`# long-haul: ${far.upstream.kind}; ${targets.length} targets × ${PHASES.length} phases`);
  try {
    for (const target of targets) await measureTarget(target, far, tools.ab!, pinned, longHaul);
  } finally {
    await far.stop();
  }
  for (const note of longHaul.notes) console.error(`# skipped: ${note}`);
  return longHaul;
}
