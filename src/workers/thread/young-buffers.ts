/**
 * Body chunks (socket reads relayed and dropped, copies made for a hop) are memory outside V8's heap. V8 frees
 * them when a collection finds them dead, but a stream of large chunks allocates few heap objects, so no
 * collection comes until about 64 MiB of them has piled up (V8's external-memory soft limit): the peak RSS of
 * one large download. A minor collection after every COLLECT_EVERY_BYTES of body bytes this thread handled
 * frees them while they are still young, at the cost of one scavenge per 16 MiB (docs/benchmarks.md).
 */
const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;

/** `gc`, exposed to worker threads by the supervisor (allowYoungBufferCollection); absent elsewhere. */
const collector = globalThis.gc;
let handledBytes = 0;
let scheduled = false;

function collect(): void {
  scheduled = false;
  handledBytes = 0;
  collector!({ type: 'minor' });
}

/** Counts body bytes this thread handled; schedules a minor collection, outside any caller, every 16 MiB. */
export function bodyBytesHandled(bytes: number): void {
  if (!collector) return;
  handledBytes += bytes;
  if (handledBytes < COLLECT_EVERY_BYTES || scheduled) return;
  scheduled = true;
  setImmediate(collect);
}
