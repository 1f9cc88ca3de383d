import { describeClient, pickClient, runClient } from './load/clients.js';
import type { LoadSpec } from './load/load-spec.js';
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

/**
 * One measured run. `roles` are the target's thread roles as last read (after it started or after the run before);
 * they are read again after this run, in case a thread was replaced, and returned for the next.
 */
async function measure(
  running: RunningTarget,
  target: Target,
  mode: Mode,
  rep: number,
  plan: Plan,
  roles: ThreadRoles | null,
): Promise<{ sample: Sample; roles: ThreadRoles | null }> {
  const url = mode.tls ? running.tlsUrl : running.url;
  if (url === undefined) throw new Error('started without an HTTPS listener');
  const spec = loadSpec(url, mode, plan.options);
  const client = pickClient(mode.clients, plan.tools);
  const pids = running.pids();
  resetPeakRss(pids);
  const acceptedBefore = await plan.origin.accepted();
  const threadsBefore = threadNanos(pids);
  const cpuBefore = cpuSeconds(pids);
  const load = await runClient(client, plan.tools, spec);
  const cpu = cpuSeconds(pids) - cpuBefore;
  const threadsAfter = threadNanos(pids);
  const opened = (await plan.origin.accepted()) - acceptedBefore;
  const rolesAfter = await running.roles();
  const ok = Math.max(1, load.ok);
  const sample: Sample = {
    rep,
    target: target.id,
    mode: mode.id,
    client: describeClient(client, spec),
    ok: load.ok,
    non2xx: load.non2xx,
    errors: load.errors,
    seconds: load.seconds,
    requestsPerSecond: load.ok / load.seconds,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    cpuMicrosPerRequest: pids.length && load.ok ? (cpu * 1e6) / load.ok : null,
    upstreamConnsOpened: opened,
    upstreamConnsPer1k: (opened * 1000) / ok,
    peakRssBytes: pids.length ? peakRssBytes(pids) : null,
    threads: roles && rolesAfter ? splitThreads({ roles, nanos: threadsBefore }, { roles: rolesAfter, nanos: threadsAfter }, load.ok) : null,
  };
  return { sample, roles: rolesAfter };
}

export function minutes(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * Every repetition runs every target (rotated), and each started target runs every mode. One progress line per
 * run on stderr.
 */
export async function runBenchmark(plan: Plan): Promise<{ samples: Sample[]; problems: string[] }> {
  const { targets, modes, options } = plan;
  const samples: Sample[] = [];
  const problems: string[] = [];
  const runs = (target: Target) => modes.filter((mode) => runsOn(mode, target, plan));
  const total = options.reps * targets.reduce((sum, target) => sum + runs(target).length, 0);
  const started = Date.now();
  let done = 0;
  for (let rep = 0; rep < options.reps; rep++) {
    for (const target of rotated(targets, rep)) {
      let running: RunningTarget;
      try {
        running = await startWarm(target, plan);
      } catch (error) {
        problems.push(`rep ${rep + 1} ${target.name}: did not start: ${(error as Error).message}`);
        done += runs(target).length;
        continue;
      }
      // Without roles the next run has no thread split; the roles read after it serve the one after.
      let roles = await running.roles().catch((error: Error) => {
        problems.push(`rep ${rep + 1} ${target.name}: no thread roles: ${error.message}`);
        return null;
      });
      for (const mode of runs(target)) {
        done++;
        const where = `[${done}/${total}] rep ${rep + 1}/${options.reps} · ${mode.id} · ${target.name}`;
        try {
          const measured = await measure(running, target, mode, rep, plan, roles);
          const { sample } = measured;
          roles = measured.roles;
          samples.push(sample);
          const elapsed = Date.now() - started;
          console.error(
            `# ${where} (${sample.client}): ${Math.round(sample.requestsPerSecond)} req/s, ` +
              `${sample.cpuMicrosPerRequest === null ? '-' : sample.cpuMicrosPerRequest.toFixed(1)} µs/req, ` +
              `${sample.upstreamConnsOpened} upstream conns, ${sample.errors} errors, ${sample.non2xx} non-2xx · ` +
              `${minutes(elapsed)} elapsed, ~${minutes((elapsed / done) * (total - done))} left`,
          );
        } catch (error) {
          problems.push(`${where}: ${(error as Error).message}`);
          console.error(`# ${where}: FAILED: ${(error as Error).message}`);
        }
      }
      try {
        await running.stop();
      } catch (error) {
        problems.push(`rep ${rep + 1} ${target.name}: unclean stop: ${(error as Error).message}`);
      }
    }
  }
  return { samples, problems };
}
