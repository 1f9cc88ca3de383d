import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, QUEUE_REJECTIONS, REPLAY_REASONS, STATUS_CLASSES, type AtomStats, type AtomStatsView, type Latency } from '../pool/atom-stats.js';
import type { PoolIndex } from '../pool/pool-index.js';
import { viewPool, viewThreads, type UpstreamView } from '../pool/pool-view.js';

type UpstreamNumber = Exclude<{ [K in keyof UpstreamView]: UpstreamView[K] extends number ? K : never }[keyof UpstreamView], undefined>;

/** Counters kept in the shared index, per upstream, exported under Prometheus names. */
const UPSTREAM_COUNTERS: Array<{ name: string; help: string; field: UpstreamNumber }> = [
  { name: 'atomproxy_upstream_requests_total', help: 'Atoms sent to the upstream (each attempt counts).', field: 'requests' },
  { name: 'atomproxy_upstream_connections_opened_total', help: 'Upstream connections opened.', field: 'opened' },
  { name: 'atomproxy_upstream_connections_closed_total', help: 'Upstream connections closed.', field: 'closed' },
  { name: 'atomproxy_upstream_connections_reused_total', help: 'Atoms that rode a pooled upstream connection.', field: 'reused' },
];

/** Levels kept in the shared index, per upstream, exported as gauges. */
const UPSTREAM_GAUGES: Array<{ name: string; help: string; value: (upstream: UpstreamView) => number }> = [
  { name: 'atomproxy_upstream_up', help: '1 while the upstream takes traffic, 0 while passive health or failed health checks keep it out.', value: (upstream) => (upstream.down ? 0 : 1) },
  { name: 'atomproxy_upstream_in_flight', help: 'Atoms under way to the upstream, queued ones included.', value: (upstream) => upstream.inFlight },
  { name: 'atomproxy_upstream_queued', help: 'Atoms waiting for an upstream connection, in every thread.', value: (upstream) => upstream.queued },
];

/** Counters of the shared atom stats with one more label, per upstream. */
const LABELLED_COUNTERS: Array<{ name: string; help: string; label: string; values: readonly string[]; read: (stats: AtomStatsView) => Record<string, number> }> = [
  { name: 'atomproxy_upstream_responses_total', help: 'Answers to atoms sent to the upstream by status class, those the proxy made (502, 503, 504, 499) included.', label: 'code', values: STATUS_CLASSES, read: (stats) => stats.responses },
  { name: 'atomproxy_upstream_replays_total', help: 'Atoms sent again after a failed attempt, by why it failed.', label: 'reason', values: REPLAY_REASONS, read: (stats) => stats.replays },
  { name: 'atomproxy_upstream_queue_rejections_total', help: 'Atoms answered 503 because the queue for a connection was full or they waited ATOM_QUEUE_TIMEOUT_MS.', label: 'reason', values: QUEUE_REJECTIONS, read: (stats) => stats.queueRejections },
];

/** The latency histograms of the shared atom stats, per upstream. */
const HISTOGRAMS: Array<{ name: string; help: string; latency: Latency }> = [
  { name: 'atomproxy_upstream_queue_seconds', help: 'Time an atom waited for a connection place.', latency: 'queue' },
  { name: 'atomproxy_upstream_connect_seconds', help: 'Time to open the upstream connection an atom waited for (new connections only).', latency: 'connect' },
  { name: 'atomproxy_upstream_first_byte_seconds', help: 'Time from sending an atom upstream to its response head.', latency: 'first_byte' },
  { name: 'atomproxy_upstream_request_duration_seconds', help: 'Time from the request head to the end of the atom.', latency: 'total' },
];

/** Connection states of the pool index, exported as one gauge with a `state` label. */
const CONNECTION_STATES = ['idle', 'busy', 'connecting', 'warming', 'pinned'] as const;

/**
 * The admin listener's GET /metrics: prom-client's registry with collectors that read the shared pool index at
 * scrape time (every thread counts into it, so one scrape sees the whole process), plus prom-client's default
 * process metrics (memory, CPU, event loop of the main thread).
 */
export function createMetrics(index: PoolIndex, stats: AtomStats, upstreams: string[]): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Each collector reads the index itself: a few hundred numbers, and no reliance on the order prom-client runs them.
  const pool = (): UpstreamView[] => viewPool(index, upstreams);
  for (const { name, help, value } of UPSTREAM_GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: ['upstream'],
      registers: [registry],
      collect() {
        for (const upstream of pool()) this.set({ upstream: upstream.url }, value(upstream));
      },
    });
  }
  for (const { name, help, field } of UPSTREAM_COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['upstream'],
      registers: [registry],
      collect() {
        this.reset();
        for (const upstream of pool()) this.inc({ upstream: upstream.url }, upstream[field]);
      },
    });
  }
  for (const { name, help, label, values, read } of LABELLED_COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['upstream', label],
      registers: [registry],
      collect() {
        this.reset();
        upstreams.forEach((url, upstream) => {
          const counts = read(stats.read(upstream));
          for (const value of values) this.inc({ upstream: url, [label]: value }, counts[value]!);
        });
      },
    });
  }
  for (const histogram of HISTOGRAMS) registry.registerMetric(sharedHistogram(histogram, stats, upstreams));
  new Gauge({
    name: 'atomproxy_upstream_connections',
    help: 'Upstream connections by state, over every thread.',
    labelNames: ['upstream', 'state'],
    registers: [registry],
    collect() {
      for (const upstream of pool()) for (const state of CONNECTION_STATES) this.set({ upstream: upstream.url, state }, upstream[state]);
    },
  });
  for (const [name, help, field] of [
    ['atomproxy_thread_atoms_total', 'Atoms the thread accepted from its clients.', 'atoms'],
    ['atomproxy_thread_hops_total', 'Of those, atoms that ran on another thread’s upstream connection.', 'hops'],
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ['thread'],
      registers: [registry],
      collect() {
        this.reset();
        for (const thread of viewThreads(index)) this.inc({ thread: String(thread.thread) }, thread[field]);
      },
    });
  }
  for (const [name, help, field] of [
    ['atomproxy_thread_event_loop_delay_p99_seconds', 'The thread’s event-loop delay over the last second, 99th percentile.', 'loopDelayP99Ms'],
    ['atomproxy_thread_event_loop_delay_max_seconds', 'The thread’s largest event-loop delay over the last second.', 'loopDelayMaxMs'],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['thread'],
      registers: [registry],
      collect() {
        for (const thread of viewThreads(index)) this.set({ thread: String(thread.thread) }, thread[field] / 1000);
      },
    });
  }
  return registry;
}

/**
 * A histogram whose buckets every thread counts into the shared atom stats. prom-client's Histogram keeps its
 * buckets in its own process memory and cannot be set from outside, so this is a metric of the registry's own
 * shape (name, help, type, get) that reads the shared buckets at scrape time.
 */
function sharedHistogram({ name, help, latency }: (typeof HISTOGRAMS)[number], stats: AtomStats, upstreams: string[]): Metric {
  const bounds = [...LATENCY_BUCKETS_SECONDS.map(String), '+Inf'];
  const get = async () => ({
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    values: upstreams.flatMap((url, upstream) => {
      const { cumulative, count, sumSeconds } = stats.read(upstream).latencies[latency];
      return [
        ...bounds.map((le, bucket) => ({ metricName: `${name}_bucket`, labels: { upstream: url, le }, value: cumulative[bucket]! })),
        { metricName: `${name}_sum`, labels: { upstream: url }, value: sumSeconds },
        { metricName: `${name}_count`, labels: { upstream: url }, value: count },
      ];
    }),
  });
  return { name, help, type: 'histogram', aggregator: 'sum', get, reset() {} } as unknown as Metric;
}
