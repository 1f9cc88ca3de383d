import { describeClient, pickClient, runClient, type ClientName } from './load/clients.js';
import type { LoadResult, LoadSpec } from './load/load-spec.js';
import type { Mode } from './modes.js';
import type { Options } from './options.js';
import type { Origin } from './origin/origin.js';
import { cpuSeconds, peakRssBytes, pin, resetPeakRss, threadNanos } from './process-stats.js';
import type { Sample } from './sample.js';
import type { ServedCertificate } from './targets/served-certificate.js';
import type { RunningTarget, Target } from './targets/target.js';
import type { ThreadRoles } from './threads/thread-roles.js';
import { splitThreads } from './threads/thread-split.js';
import type { Tools } from './tools.js';

export interface Plan {
  targets: Target[];
  modes: Mode[];
  origin: Origin;
  tools: Tools;
  options: Options;
  /** Proxy on CPU 0, everything else on CPU 1. */
  pinned: boolean;
  /** What the targets serve their HTTPS clients in the TLS modes; null when no TLS mode runs (or openssl is missing). */
  tls: ServedCertificate | null;
}

/** The uws engine parses no HTTP/1.0; the TLS modes need wrk, a certificate and a target that terminates TLS. */
export function runsOn(mode: Mode, target: Target, plan: Plan): boolean {
  if (mode.http10 && !target.answersHttp10) return false;
  return !mode.tls || (target.terminatesTls === true && plan.tls !== null && plan.tools.wrk !== null);
}

export function loadSpec(url: string, mode: Mode, options: Options): LoadSpec {
  const extra = mode.bodies || mode.id === 'autocannon';
  return {
    url: url + mode.path,
    seconds: extra ? options.extraSeconds : options.seconds,
    requests: options.requests,
    http10: mode.http10,
    keepAlive: mode.keepAlive,
    uploadBytes: mode.uploadBytes,
  };
}

/** Starts a target against `origin` (with an HTTPS listener when given `tls`), pinned to CPU 0 when the plan pins. */
export async function startPinned(target: Target, origin: Origin, pinned: boolean, env?: Record<string, string>, tls?: ServedCertificate): Promise<RunningTarget> {
  const running = await target.start(origin, env, tls);
  if (pinned) for (const pid of running.pids()) pin(pid, '0');
  return running;
}

/** Starts a target pinned, and warms it (and its upstream pool) up unmeasured. */
export async function startWarm(target: Target, plan: Plan, env?: Record<string, string>): Promise<RunningTarget> {
  const running = await startPinned(target, plan.origin, plan.pinned, env, plan.tls ?? undefined);
  const warmup: LoadSpec = { url: `${running.url}/`, seconds: plan.options.warmupSeconds, requests: 0, http10: false, keepAlive: true, uploadBytes: 0 };
  await runClient(pickClient(['wrk', 'autocannon'], plan.tools), plan.tools, warmup);
  return running;
}

/** The targets in the order repetition `rep` runs them: rotated, so none always runs first on a quiet or warm machine. */
export function rotated<T>(targets: T[], rep: number): T[] {
  return targets.map((_, i) => targets[(i + rep) % targets.length]!);
}

interface Measured {
  sample: Sample;
  roles: ThreadRoles | null;
}

/**
 * Starts measuring one run: the returned function takes the load's result and makes the sample. `roles` are the
 * target's thread roles as last read (after it started or after the run before); they are read again after this
 * run, in case a thread was replaced, and returned for the next.
 */
async function startMeasuring(
  running: RunningTarget,
  target: Target,
  mode: Mode,
  rep: number,
  plan: Plan,
  roles: ThreadRoles | null,
): Promise<{ spec: LoadSpec; client: ClientName; finish(load: LoadResult, startedAt: number): Promise<Measured> }> {
  const url = mode.tls ? running.tlsUrl : running.url;
  if (url === undefined) throw new Error('started without an HTTPS listener');
  const spec = loadSpec(url, mode, plan.options);
  const client = pickClient(mode.clients, plan.tools);
  const pids = running.pids();
  resetPeakRss(pids);
  const acceptedBefore = await plan.origin.accepted();
  const threadsBefore = threadNanos(pids);
  const cpuBefore = cpuSeconds(pids);
  const finish = async (load: LoadResult, startedAt: number) => {
    const cpu = cpuSeconds(pids) - cpuBefore;
    const threadsAfter = threadNanos(pids);
    // Side by side, the origin's count holds every target's connections.
    const opened = plan.options.sideBySide ? null : (await plan.origin.accepted()) - acceptedBefore;
    const rolesAfter = await running.roles();
    const ok = Math.max(1, load.ok);
    const sample: Sample = {
      rep,
      target: target.id,
      mode: mode.id,
      client: describeClient(client, spec),
      startedAt,
      ok: load.ok,
      non2xx: load.non2xx,
      errors: load.errors,
      seconds: load.seconds,
      requestsPerSecond: load.ok / load.seconds,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      cpuMicrosPerRequest: pids.length && load.ok ? (cpu * 1e6) / load.ok : null,
      upstreamConnsOpened: opened,
      upstreamConnsPer1k: opened === null ? null : (opened * 1000) / ok,
      peakRssBytes: pids.length ? peakRssBytes(pids) : null,
      threads: roles && rolesAfter ? splitThreads({ roles, nanos: threadsBefore }, { roles: rolesAfter, nanos: threadsAfter }, load.ok) : null,
    };
    return { sample, roles: rolesAfter };
  };
  return { spec, client, finish };
}

export function minutes(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** Counts the runs and prints one progress line per run on stderr. */
function progressOf(total: number): (what: string, sample: Sample) => void {
  const started = Date.now();
  let done = 0;
  return (what, sample) => {
    done++;
    const where = `[${done}/${total}] ${what}`;
    const elapsed = Date.now() - started;
    console.error(
      `# ${where} (${sample.client}): ${Math.round(sample.requestsPerSecond)} req/s, ` +
        `${sample.cpuMicrosPerRequest === null ? '-' : sample.cpuMicrosPerRequest.toFixed(1)} µs/req, ` +
        `${sample.upstreamConnsOpened ?? '-'} upstream conns, ${sample.errors} errors, ${sample.non2xx} non-2xx · ` +
        `${minutes(elapsed)} elapsed, ~${minutes((elapsed / done) * (total - done))} left`,
    );
  };
}

interface Started {
  target: Target;
  running: RunningTarget;
  roles: ThreadRoles | null;
}

/** Starts `targets` one after another; one that does not start is a problem, not a stop. */
async function startAll(targets: Target[], rep: number, plan: Plan, problems: string[]): Promise<Started[]> {
  const started: Started[] = [];
  for (const target of targets) {
    try {
      const running = await startWarm(target, plan);
      const roles = await running.roles().catch((error: Error) => {
        problems.push(`rep ${rep + 1} ${target.name}: no thread roles: ${error.message}`);
        return null;
      });
      started.push({ target, running, roles });
    } catch (error) {
      problems.push(`rep ${rep + 1} ${target.name}: did not start: ${(error as Error).message}`);
    }
  }
  return started;
}

async function stopAll(started: Started[], rep: number, problems: string[]): Promise<void> {
  for (const { target, running } of started) {
    try {
      await running.stop();
    } catch (error) {
      problems.push(`rep ${rep + 1} ${target.name}: unclean stop: ${(error as Error).message}`);
    }
  }
}

/**
 * Runs `mode` on each of `started` (one target, or every target at once side by side), each under its own load,
 * and keeps the samples; a failed run is a problem.
 */
async function runMode(group: Started[], mode: Mode, rep: number, plan: Plan, out: { samples: Sample[]; problems: string[] }, progress: ReturnType<typeof progressOf>) {
  const what = (entry: Started) => `rep ${rep + 1}/${plan.options.reps} · ${mode.id} · ${entry.target.name}`;
  const prepared = await Promise.allSettled(group.map((entry) => startMeasuring(entry.running, entry.target, mode, rep, plan, entry.roles)));
  // Every load that could be prepared starts now; each notes when it began.
  const runs = group.map(async (_, i) => {
    const preparing = prepared[i]!;
    if (preparing.status === 'rejected') throw preparing.reason;
    const startedAt = Date.now();
    const load = await runClient(preparing.value.client, plan.tools, preparing.value.spec);
    return preparing.value.finish(load, startedAt);
  });
  for (const [i, result] of (await Promise.allSettled(runs)).entries()) {
    const entry = group[i]!;
    if (result.status === 'rejected') {
      const message = (result.reason as Error).message;
      out.problems.push(`${what(entry)}: ${message}`);
      console.error(`# ${what(entry)}: FAILED: ${message}`);
      continue;
    }
    entry.roles = result.value.roles;
    out.samples.push(result.value.sample);
    progress(what(entry), result.value.sample);
  }
}

/**
 * Every repetition runs every target (rotated), and each started target runs every mode. Side by side
 * (--side-by-side), every target of a repetition runs at once, each under its own load of the same mode, so
 * two variants meet the same noise of a shared machine: their ratio holds where one after the other it did not.
 */
export async function runBenchmark(plan: Plan): Promise<{ samples: Sample[]; problems: string[] }> {
  const { targets, modes, options } = plan;
  const out = { samples: [] as Sample[], problems: [] as string[] };
  const runsPerRep = targets.reduce((sum, target) => sum + modes.filter((mode) => runsOn(mode, target, plan)).length, 0);
  const progress = progressOf(options.reps * runsPerRep);
  for (let rep = 0; rep < options.reps; rep++) {
    // The targets that run together: all of them side by side, else one at a time.
    const groups = options.sideBySide ? [rotated(targets, rep)] : rotated(targets, rep).map((target) => [target]);
    for (const group of groups) {
      const started = await startAll(group, rep, plan, out.problems);
      try {
        for (const mode of modes) {
          const running = started.filter(({ target }) => runsOn(mode, target, plan));
          if (running.length) await runMode(running, mode, rep, plan, out, progress);
        }
      } finally {
        await stopAll(started, rep, out.problems);
      }
    }
  }
  return out;
}
