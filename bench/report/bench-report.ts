import type { Machine } from '../machine.js';
import type { MemoryRow } from '../memory/memory-summary.js';
import type { MemorySample } from '../memory/run-memory.js';
import type { StageProfile } from '../profile/run-profile.js';
import type { Sample } from '../sample.js';
import type { Row } from '../summary.js';
import type { ThreadRow } from '../threads/thread-summary.js';

/** Everything one bench run produced: written as JSON, rendered as markdown and SVG. */
export interface BenchReport {
  date: string;
  durationSeconds: number;
  machine: Machine;
  pinning: string;
  /** The throughput scenario's origin; null when it did not run. */
  origin: string | null;
  reps: number;
  /** The throughput scenario's client modes (none when it did not run). */
  modes: Array<{ id: string; title: string }>;
  targets: Array<{ id: string; name: string }>;
  /** Targets or tools left out, and why. */
  notes: string[];
  /** Runs that failed or stops that were not clean. */
  problems: string[];
  rows: Row[];
  /** Per target × mode: CPU by thread group, the busiest thread, the hop rate and the projection. */
  threadRows: ThreadRow[];
  profiles: StageProfile[];
  /** The memory scenario; null when it did not run. */
  memory: { cases: Array<{ id: string; title: string }>; rows: MemoryRow[]; samples: MemorySample[] } | null;
  samples: Sample[];
}
