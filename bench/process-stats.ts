import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** `pid` and every process descending from it (nginx's master and worker), found by parent pid in /proc. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(statFields(Number(entry))[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we listed /proc
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

/** The thread ids of process `pid` (its main thread's tid is `pid`); none once it ended. */
export function tidsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU time of each thread of `pids` so far, in nanoseconds by tid, from /proc/<pid>/task/<tid>/schedstat
 * (its first field): nanosecond resolution, where /proc/<pid>/stat counts 10 ms ticks. A thread that ended is
 * missing (its time is folded into its process's stat).
 */
export function threadNanos(pids: number[]): Map<number, number> {
  const nanos = new Map<number, number>();
  for (const pid of pids) {
    for (const tid of tidsOf(pid)) {
      try {
        nanos.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
      } catch {
        // the thread ended while we listed it
      }
    }
  }
  return nanos;
}

/**
 * CPU time of every thread of `pids`, in seconds (threadNanos: a 1 s quick run needs more than 10 ms ticks).
 * Threads that already ended are folded into their process's stat, so both are read: the larger of the two wins.
 */
export function cpuSeconds(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    let threads = 0;
    for (const nanos of threadNanos([pid]).values()) threads += nanos / 1e9;
    try {
      const stat = statFields(pid);
      const ticks = Number(stat[11]) + Number(stat[12]); // utime, stime: USER_HZ is 100 on Linux
      total += Math.max(threads, ticks / 100);
    } catch {
      // the process ended: nothing more to count
    }
  }
  return total;
}

/** A /proc/<pid>/status memory field of `pids` together, summed, in bytes. */
function statusBytes(pids: number[], field: 'VmHWM' | 'VmRSS'): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
    } catch {
      // the process ended
    }
  }
  return total;
}

/** Peak resident set size of `pids` together (VmHWM summed), in bytes. */
export function peakRssBytes(pids: number[]): number {
  return statusBytes(pids, 'VmHWM');
}

/** Resident set size of `pids` together now (VmRSS summed), in bytes. */
export function rssBytes(pids: number[]): number {
  return statusBytes(pids, 'VmRSS');
}

/**
 * Restarts VmHWM from the current RSS (Linux clear_refs "5"), so each run reports its own peak. Best effort:
 * where the kernel refuses, the peak is the one since the process started.
 */
export function resetPeakRss(pids: number[]): void {
  try {
    for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not allowed here: the peak stays the process's lifetime peak
  }
}

/** Pins every thread of `pid` (and what they start later) to `cpus`, e.g. "0". */
export function pin(pid: number, cpus: string): void {
  const result = spawnSync('taskset', ['-a', '-pc', cpus, String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset failed: ${result.stderr}`);
}
