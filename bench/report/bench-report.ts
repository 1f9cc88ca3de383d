import type { Machine } from '../machine.js';
import type { StageProfile } from '../profile/run-profile.js';
import type { Sample } from '../sample.js';
import type { Row } from '../summary.js';

/** Everything one bench run produced: written as JSON, rendered as markdown and SVG. */
export interface BenchReport {
  date: string;
  durationSeconds: number;
  machine: Machine;
  pinning: string;
  origin: string;
  reps: number;
  modes: Array<{ id: string; title: string }>;
  targets: Array<{ id: string; name: string }>;
  /** Targets or tools left out, and why. */
  notes: string[];
  /** Runs that failed or stops that were not clean. */
  problems: string[];
  rows: Row[];
  profiles: StageProfile[];
  samples: Sample[];
}
