import type { BodyOrigin } from '../origin/body-origin.js';
import { peakRssBytes, resetPeakRss, rssBytes } from '../process-stats.js';
import { minutes, rotated, startPinned } from '../run-benchmark.js';
import type { RunningTarget, Target } from '../targets/target.js';
import type { MemoryCase } from './memory-cases.js';

/** One large body through one target in one repetition. */
export interface MemorySample {
  rep: number;
  target: string;
  case: string;
  /** RSS of the target's processes once started and idle, before the body moved (a fresh start per case). */
  idleRssBytes: number;
  /** VmHWM of the target's processes while the body moved (reset from the idle RSS just before). */
  peakRssBytes: number;
  /** Most body bytes the fast side was ahead of the slow side: kernel buffers both ways plus what the target held. */
  peakHeldBytes: number;
  seconds: number;
}

export interface MemoryPlan {
  targets: Target[];
  cases: MemoryCase[];
  origin: BodyOrigin;
  reps: number;
  pinned: boolean;
}

/** Time for a started target to finish starting (worker threads load after the listening line) before idle RSS. */
const SETTLE_MS = 1000;
const SAMPLE_MS = 50;

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

async function measureCase(running: RunningTarget, target: Target, memoryCase: MemoryCase, rep: number, origin: BodyOrigin): Promise<MemorySample> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const pids = running.pids();
  const idleRssBytes = rssBytes(pids);
  resetPeakRss(pids);
  const limitMs = ((memoryCase.bytes / memoryCase.bytesPerSecond) * 3 + 10) * 1000;
  const transfer = memoryCase.start(running.url, limitMs);
  const lead = () => memoryCase.fastSide(origin, transfer) - memoryCase.slowSide(origin, transfer);
  // The origin's counters run across transfers: the lead is measured from where they stood at the start.
  const leadAtStart = lead();
  let peakHeldBytes = 0;
  const watch = setInterval(() => (peakHeldBytes = Math.max(peakHeldBytes, lead() - leadAtStart)), SAMPLE_MS);
  try {
    const { seconds } = await transfer.done;
    return { rep, target: target.id, case: memoryCase.id, idleRssBytes, peakRssBytes: peakRssBytes(pids), peakHeldBytes, seconds };
  } finally {
    clearInterval(watch);
  }
}

/**
 * The memory scenario: every repetition runs every target (rotated) through every case, each case on a freshly
 * started target (garbage from one case must not count in the next). One progress line per case on stderr.
 */
export async function runMemory(plan: MemoryPlan): Promise<{ samples: MemorySample[]; problems: string[] }> {
  const samples: MemorySample[] = [];
  const problems: string[] = [];
  const total = plan.reps * plan.targets.length * plan.cases.length;
  const started = Date.now();
  let done = 0;
  for (let rep = 0; rep < plan.reps; rep++) {
    for (const target of rotated(plan.targets, rep)) {
      for (const memoryCase of plan.cases) {
        done++;
        const where = `[${done}/${total}] memory rep ${rep + 1}/${plan.reps} · ${memoryCase.id} · ${target.name}`;
        let running: RunningTarget | null = null;
        try {
          running = await startPinned(target, plan.origin, plan.pinned);
          const sample = await measureCase(running, target, memoryCase, rep, plan.origin);
          samples.push(sample);
          const elapsed = Date.now() - started;
          console.error(
            `# ${where}: idle ${mib(sample.idleRssBytes)} MiB, peak ${mib(sample.peakRssBytes)} MiB, held ${mib(sample.peakHeldBytes)} MiB, ` +
              `${sample.seconds.toFixed(1)} s · ${minutes(elapsed)} elapsed, ~${minutes((elapsed / done) * (total - done))} left`,
          );
        } catch (error) {
          problems.push(`${where}: ${(error as Error).message}`);
          console.error(`# ${where}: FAILED: ${(error as Error).message}`);
        }
        try {
          await running?.stop();
        } catch (error) {
          problems.push(`${where}: unclean stop: ${(error as Error).message}`);
        }
      }
    }
  }
  return { samples, problems };
}
