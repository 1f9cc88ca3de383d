/**
 * What atoms came to, per upstream, counted by every thread into one SharedArrayBuffer so one /metrics scrape sees
 * the whole process: answers by status class, atoms the queue turned away, replays by reason, and latency
 * histograms. Kept apart from the pool index, which routing reads under its lock: nothing routes on these.
 */

/** Histogram bucket upper bounds, in seconds (Prometheus `le`); a last +Inf bucket follows. */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The latencies of an atom: waiting for a connection place, connecting (new connections only), to the first response byte, in all. */
export const LATENCIES = ['queue', 'connect', 'first_byte', 'total'] as const;
export type Latency = (typeof LATENCIES)[number];

/** Answers by the first digit of their status, those the proxy made (502, 503, 504, 499…) included. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** Why the bounded queue turned an atom away (503 either way). */
export const QUEUE_REJECTIONS = ['timeout', 'full'] as const;
export type QueueRejection = (typeof QUEUE_REJECTIONS)[number];

/** Why an atom was sent again: a connect failed, a pooled connection died before answering, its thread died. */
export const REPLAY_REASONS = ['connect', 'stale', 'lost'] as const;
export type ReplayReason = (typeof REPLAY_REASONS)[number];

const BUCKETS = LATENCY_BUCKETS_SECONDS.length + 1;
const STATUS_AT = 0;
const QUEUE_AT = STATUS_AT + STATUS_CLASSES.length;
const REPLAY_AT = QUEUE_AT + QUEUE_REJECTIONS.length;
const BUCKETS_AT = REPLAY_AT + REPLAY_REASONS.length;
const COUNTERS = BUCKETS_AT + LATENCIES.length * BUCKETS;

/** One histogram as read: per bucket the atoms at or under its bound (cumulative, as Prometheus wants). */
export interface LatencyView {
  cumulative: number[];
  count: number;
  sumSeconds: number;
}

export interface AtomStatsView {
  responses: Record<(typeof STATUS_CLASSES)[number], number>;
  queueRejections: Record<QueueRejection, number>;
  replays: Record<ReplayReason, number>;
  latencies: Record<Latency, LatencyView>;
}

function layout(upstreamCount: number) {
  const counterBytes = upstreamCount * COUNTERS * 4;
  const sumsByte = Math.ceil(counterBytes / 8) * 8;
  return { sumsByte, bytes: sumsByte + upstreamCount * LATENCIES.length * 8 };
}

export class AtomStats {
  /** Unsigned, so a counter wraps at 2^32 (which Prometheus reads as a reset) rather than going negative. */
  private readonly counters: Uint32Array;
  /** Latency sums in microseconds: 64 bits, as Int32 microseconds would wrap after 36 minutes of waiting. */
  private readonly sums: BigUint64Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly upstreamCount: number,
  ) {
    const { sumsByte, bytes } = layout(upstreamCount);
    if (buffer.byteLength !== bytes) throw new RangeError('atom stats buffer does not match its dimensions');
    this.counters = new Uint32Array(buffer, 0, upstreamCount * COUNTERS);
    this.sums = new BigUint64Array(buffer, sumsByte, upstreamCount * LATENCIES.length);
  }

  static create(upstreamCount: number): AtomStats {
    return new AtomStats(new SharedArrayBuffer(layout(upstreamCount).bytes), upstreamCount);
  }

  private add(upstream: number, counter: number): void {
    Atomics.add(this.counters, upstream * COUNTERS + counter, 1);
  }

  /** The answer the client got (or, for 499, did not get) to an atom sent to `upstream`. */
  countStatus(upstream: number, status: number): void {
    const digit = Math.floor(status / 100);
    if (digit >= 1 && digit <= STATUS_CLASSES.length) this.add(upstream, STATUS_AT + digit - 1);
  }

  countQueueRejection(upstream: number, why: QueueRejection): void {
    this.add(upstream, QUEUE_AT + QUEUE_REJECTIONS.indexOf(why));
  }

  countReplay(upstream: number, why: ReplayReason): void {
    this.add(upstream, REPLAY_AT + REPLAY_REASONS.indexOf(why));
  }

  /** Counts one atom's `latency` of `ms` milliseconds into its bucket and the sum. */
  observe(upstream: number, latency: Latency, ms: number): void {
    const which = LATENCIES.indexOf(latency);
    const seconds = ms / 1000;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS_SECONDS.length && seconds > LATENCY_BUCKETS_SECONDS[bucket]!) bucket++;
    this.add(upstream, BUCKETS_AT + which * BUCKETS + bucket);
    Atomics.add(this.sums, upstream * LATENCIES.length + which, BigInt(Math.round(ms * 1000)));
  }

  read(upstream: number): AtomStatsView {
    const counter = (at: number) => Atomics.load(this.counters, upstream * COUNTERS + at);
    const record = <K extends string>(names: readonly K[], at: number) =>
      Object.fromEntries(names.map((name, i) => [name, counter(at + i)])) as Record<K, number>;
    const latency = (which: number): LatencyView => {
      const cumulative: number[] = [];
      let count = 0;
      for (let bucket = 0; bucket < BUCKETS; bucket++) cumulative.push((count += counter(BUCKETS_AT + which * BUCKETS + bucket)));
      const micros = Atomics.load(this.sums, upstream * LATENCIES.length + which);
      return { cumulative, count, sumSeconds: Number(micros) / 1e6 };
    };
    return {
      responses: record(STATUS_CLASSES, STATUS_AT),
      queueRejections: record(QUEUE_REJECTIONS, QUEUE_AT),
      replays: record(REPLAY_REASONS, REPLAY_AT),
      latencies: Object.fromEntries(LATENCIES.map((name, which) => [name, latency(which)])) as Record<Latency, LatencyView>,
    };
  }
}
