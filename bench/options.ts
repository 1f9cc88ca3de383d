import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { MODES } from './modes.js';
import { ALL_TARGET_IDS } from './targets/all-targets.js';
import { TOOL_NAMES } from './tools.js';

export const SCENARIOS = ['throughput', 'memory', 'long-haul'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Options {
  quick: boolean;
  /**
   * throughput: the client modes, thread split and profile; memory: idle and peak RSS with large slow bodies;
   * long-haul: HTTPS on both sides to an origin 100 ms away (the forum case).
   */
  scenarios: Scenario[];
  /** An older atomproxy checkout, built, to run as target `baseline` (node engine, ATOM_WORKERS=0). */
  baseline: string | null;
  reps: number;
  /** Measured seconds per run for the duration-bound clients (whole seconds: wrk takes no fractions). */
  seconds: number;
  /** Unmeasured warm-up when a target starts (whole seconds; a JIT reaches its steady state only after several). */
  warmupSeconds: number;
  /** Requests per run for the count-bound clients (ab, the bench's HTTP/1.0 client). */
  requests: number;
  /** Seconds of the body-size and autocannon modes (they matter less than the four client modes). */
  extraSeconds: number;
  targets: string[] | null;
  modes: string[];
  without: Set<string>;
  /** Targets to profile with --cpu-prof, e.g. ["node/1", "uws/1"]; empty skips the profile. */
  profile: string[];
  profileSeconds: number;
  /** Every target of a repetition at once, each under its own load (run-benchmark.ts). */
  sideBySide: boolean;
  outDir: string;
}

const USAGE = `npm run bench -- [--quick] [--scenario ${SCENARIOS.join(',')}] [--baseline DIR] [--reps N] [--seconds S] [--warmup S] [--requests N] [--bodies]
  [--targets ${ALL_TARGET_IDS.join(',')}] [--modes ${MODES.map((mode) => mode.id).join(',')}]
  [--without ${TOOL_NAMES.join(',')}] [--profile node/1,uws/1 | --profile none] [--side-by-side] [--out DIR]`;

function list(value: string | undefined): string[] | null {
  return value === undefined ? null : value.split(',').map((item) => item.trim()).filter(Boolean);
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!(number > 0)) throw new Error(`--${name} ${value}: expected a positive number\n${USAGE}`);
  return number;
}

function checkAll(name: string, values: string[] | null, allowed: readonly string[]): void {
  const unknown = (values ?? []).filter((value) => !allowed.includes(value) && value !== 'none');
  if (unknown.length) throw new Error(`--${name}: unknown ${unknown.join(', ')} (allowed: ${allowed.join(', ')})\n${USAGE}`);
}

/**
 * Reads the flags (never ATOM_* variables: the proxy refuses unknown ones). --quick is 1 rep of short runs, no body
 * sizes, no memory scenario.
 */
export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      baseline: { type: 'string' },
      bodies: { type: 'boolean', default: false },
      reps: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      requests: { type: 'string' },
      targets: { type: 'string' },
      modes: { type: 'string' },
      without: { type: 'string' },
      profile: { type: 'string' },
      'side-by-side': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const quick = values.quick!;
  // wrk takes whole seconds.
  const seconds = Math.round(positive('seconds', values.seconds, quick ? 2 : 5));
  const targets = list(values.targets);
  const modes = list(values.modes) ?? MODES.filter((mode) => !mode.bodies || !quick || values.bodies).map((mode) => mode.id);
  const without = list(values.without) ?? [];
  const profile = list(values.profile) ?? ['node/1', 'uws/1'];
  // The memory scenario takes 2-3 minutes per repetition: --quick runs it only when asked.
  const scenarios = (list(values.scenario) ?? (quick ? ['throughput'] : [...SCENARIOS])) as Scenario[];
  checkAll('scenario', scenarios, SCENARIOS);
  checkAll('targets', targets, ALL_TARGET_IDS);
  if (targets?.includes('baseline') && values.baseline === undefined) throw new Error(`--targets baseline needs --baseline DIR\n${USAGE}`);
  checkAll('modes', modes, MODES.map((mode) => mode.id));
  checkAll('without', without, TOOL_NAMES);
  checkAll('profile', profile, ALL_TARGET_IDS);
  return {
    quick,
    scenarios,
    baseline: values.baseline ?? null,
    reps: Math.round(positive('reps', values.reps, quick ? 1 : 3)),
    seconds,
    warmupSeconds: Math.round(positive('warmup', values.warmup, 1)),
    requests: Math.round(positive('requests', values.requests, quick ? 3000 : 20000)),
    extraSeconds: quick ? seconds : Math.min(seconds, 3),
    targets,
    modes,
    without: new Set(without),
    profile: profile.filter((id) => id !== 'none'),
    profileSeconds: quick ? 2 : 5,
    sideBySide: values['side-by-side']!,
    outDir: values.out ?? fileURLToPath(new URL('../../bench/results', import.meta.url)),
  };
}
