import { nodeReusePortRefusal } from '../../src/main/reuse-port.js';
import { probeUws } from '../../src/main/uws-probe.js';

/** The engine × worker-mode combinations every semantic is checked through. */
export interface Variant {
  name: string;
  env: Record<string, string>;
  /** Why this variant cannot run on this runtime (describe's `skip`, printed by node:test), or false. */
  skip: string | false;
}

export const ENGINES = ['node', 'uws'] as const;
export type Engine = (typeof ENGINES)[number];

/** Probed once per test file (node --test runs each file in its own process). */
export const UWS_PROBE = probeUws();

/**
 * The uWS build here is 20.30, whose parser holds the requests it refuses unanswered until its idle timeout
 * (FEASIBILITY A4); later builds answer them with a 400, 431 or 505 page of their own and close.
 */
export const UWS_IS_20_30 = 'build' in UWS_PROBE && UWS_PROBE.build.includes(' 20.30.');

/** Why `engine` cannot run here, or false: the uws engine needs a uWS build whose native binary loads. */
export function engineSkip(engine: Engine): string | false {
  return engine === 'uws' && 'refusal' in UWS_PROBE ? UWS_PROBE.refusal : false;
}

/** Why several threads of `engine` cannot all accept client connections here (SO_REUSEPORT), or false. */
export function sharedPortSkip(engine: Engine): string | false {
  const refusal = engine === 'node' ? nodeReusePortRefusal() : null;
  return engineSkip(engine) || (refusal ? `${refusal}: one thread accepts` : false);
}

/** Both engines, with one thread, and with two threads between which atoms may hop. */
export const VARIANTS: Variant[] = ENGINES.flatMap((engine) =>
  ['1', '2'].map((workers) => ({
    name: `${engine} engine, ATOM_WORKERS=${workers}`,
    env: { ATOM_ACCEPTOR: engine, ATOM_WORKERS: workers },
    skip: engineSkip(engine),
  })),
);

/** Only the node engine parses HTTP/1.0, bad requests and pipelining (see docs/configuration.md). */
export const NODE_VARIANTS = VARIANTS.filter((variant) => variant.env.ATOM_ACCEPTOR === 'node');
