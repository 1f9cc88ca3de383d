/**
 * The messages an atom's two halves exchange: the acceptor (client side) and an executor (upstream side).
 * They travel in batches, one per event-loop turn, whether the executor is a worker thread or in-thread.
 * Field names are short because every message is structured-cloned on the hot path.
 */

/** Acceptor → executor. */
export type ToExecutor =
  /**
   * Start an atom: `u` upstream index, `m` method, `p` path, `h` flat header list, `b` a body follows; `q` the
   * pinned connection its client connection holds here (0: none), `c` that client connection's number (0 where
   * the engine knows none: then no connection may be pinned for it; src/workers/upstream/connection-auth.ts).
   */
  | { k: 'open'; id: number; u: number; m: string; p: string; h: string[]; b: boolean; q: number; c: number }
  | { k: 'body'; id: number; c: Uint8Array }
  | { k: 'bodyEnd'; id: number }
  /** The client went away or the acceptor gave up: abort upstream, send nothing more. */
  | { k: 'cancel'; id: number }
  /** `n` response bytes were written to the client: the executor may send that much more. */
  | { k: 'credit'; id: number; n: number }
  /** The client connection holding pinned connection `q` to upstream `u` closed: close that connection. */
  | { k: 'unpin'; u: number; q: number };

/** Executor → acceptor. */
export type ToAcceptor =
  /**
   * The response head, with what the access log says about the upstream connection that carried it; `q` that
   * connection's pin when it is bound to the atom's client connection (0: it is not).
   */
  | { k: 'head'; id: number; s: number; t: string; h: string[]; u: UpstreamFacts; q: number }
  | { k: 'data'; id: number; c: Uint8Array }
  | { k: 'end'; id: number }
  /**
   * The atom failed: `s` is the status to answer with if nothing was sent yet, `cause` the log reason, `r` what
   * the failure allows (src/main/replay-policy.ts decides whether to send the atom again).
   */
  | { k: 'fail'; id: number; s: number; cause: string; r: FailureKind }
  /** `n` request-body bytes were taken by the upstream connection: the acceptor may read that much more. */
  | { k: 'credit'; id: number; n: number }
  /**
   * The answer to every `cancel`: the atom's connection is let go of (undici may hold it a moment after the
   * cancel), or was already. Until then the atom keeps its place under the cap.
   */
  | { k: 'released'; id: number }
  /** Pinned connection `q` of client connection `c` ended on its own (closed, drained): forget it. */
  | { k: 'unpinned'; c: number; q: number };

/**
 * The upstream side of one atom, for the access log. Durations are measured in the executor's thread (each
 * thread's clock has its own origin): `c` connecting (0 on a pooled connection), `f` from the request's start on
 * the connection to the response head; `r` the connection was pooled, `a` its age and `n` the requests it has
 * carried, this one included.
 */
export interface UpstreamFacts {
  r: boolean;
  a: number;
  n: number;
  c: number;
  f: number;
}

/** Bytes one side may send for one atom before the other side credits them back. */
export const FLOW_WINDOW_BYTES = 512 * 1024;
/** Credits are sent in lumps of at least this size, so small bodies never cause a credit message. */
export const CREDIT_QUANTUM_BYTES = 64 * 1024;

/**
 * What an executor knows about a failure that matters for sending the atom again:
 * - `connect`: the attempt never got a connection, so the request never left the proxy;
 * - `stale`: a pooled connection failed before any response byte (the upstream may have closed it while it sat
 *   idle: the keep-alive race), so the request may or may not have reached the upstream;
 * - `final`: anything else (a response started, a timeout, a fresh connection that broke).
 */
export type FailureKind = 'connect' | 'stale' | 'final';
