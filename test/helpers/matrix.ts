/** The engine × worker-mode combinations every semantic is checked through. */
export interface Variant {
  name: string;
  env: Record<string, string>;
}

export const ENGINES = ['node', 'uws'] as const;

/** Both engines, with the executor in a worker thread and in the acceptor thread. */
export const VARIANTS: Variant[] = ENGINES.flatMap((engine) =>
  ['1', '0'].map((workers) => ({
    name: `${engine} engine, ATOM_WORKERS=${workers}`,
    env: { ATOM_ACCEPTOR: engine, ATOM_WORKERS: workers },
  })),
);

/** Only the node engine parses HTTP/1.0, bad requests and pipelining (see docs/configuration.md). */
export const NODE_VARIANTS = VARIANTS.filter((variant) => variant.env.ATOM_ACCEPTOR === 'node');
