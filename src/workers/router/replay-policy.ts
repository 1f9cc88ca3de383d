import type { FailureKind } from '../../atom/messages.js';

/** Why an atom failed, as its router sees it: an executor's report, or the thread running it died. */
export type FailureReason = FailureKind | 'lost';

/** RFC 9110 §9.2.2: repeating these has the same effect on the server as sending them once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface AtomFacts {
  method: string;
  /** Flat client header list, as cleaned (names in the client's case). */
  headers: string[];
  /** Status and headers (or more) already went to the client. */
  responseStarted: boolean;
  /** Every body byte the client sent so far is still held (never more than ATOM_REPLAY_MAX_BODY_BYTES). */
  bodyHeld: boolean;
  retriesUsed: number;
  retriesAllowed: number;
}

/**
 * May a failed atom be sent again (on another connection, worker or upstream)? The whole rule:
 * - never once anything of the response reached the client, never past ATOM_UPSTREAM_RETRIES, and never
 *   without every body byte in hand;
 * - `connect`: yes, whatever the method: the request never left the proxy;
 * - `stale` (a pooled connection died before any answer) and `lost` (the worker thread died): the upstream may
 *   have received it, so only for an idempotent method or a request carrying `Idempotency-Key`;
 * - `final`: no.
 */
export function maySendAgain(reason: FailureReason, atom: AtomFacts): boolean {
  if (reason === 'final' || atom.responseStarted || !atom.bodyHeld) return false;
  if (atom.retriesUsed >= atom.retriesAllowed) return false;
  if (reason === 'connect') return true;
  return IDEMPOTENT.has(atom.method) || hasIdempotencyKey(atom.headers);
}

function hasIdempotencyKey(headers: string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === 'idempotency-key') return true;
  return false;
}
