import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { PoolIndex } from '../pool/pool-index.js';
import { viewPool, viewThreads, type UpstreamView } from '../pool/pool-view.js';

type UpstreamNumber = Exclude<{ [K in keyof UpstreamView]: UpstreamView[K] extends number ? K : never }[keyof UpstreamView], undefined>;

/** Counters kept in the shared index, per upstream, exported under Prometheus names. */
const UPSTREAM_COUNTERS: Array<{ name: string; help: string; field: UpstreamNumber }> = [
  { name: 'atomproxy_upstream_requests_total', help: 'Atoms sent to the upstream (each attempt counts).', field: 'requests' },
  { name: 'atomproxy_upstream_connections_opened_total', help: 'Upstream connections opened.', field: 'opened' },
  { name: 'atomproxy_upstream_connections_closed_total', help: 'Upstream connections closed.', field: 'closed' },
  { name: 'atomproxy_upstream_connections_reused_total', help: 'Atoms that rode a pooled upstream connection.', field: 'reused' },
  { name: 'atomproxy_upstream_replays_total', help: 'Atoms sent again after a failed attempt.', field: 'replays' },
];

/** Levels kept in the shared index, per upstream, exported as gauges. */
const UPSTREAM_GAUGES: Array<{ name: string; help: string; value: (upstream: UpstreamView) => number }> = [
  { name: 'atomproxy_upstream_up', help: '1 while the upstream takes traffic, 0 while passive health keeps it out.', value: (upstream) => (upstream.down ? 0 : 1) },
  { name: 'atomproxy_upstream_in_flight', help: 'Atoms under way to the upstream, queued ones included.', value: (upstream) => upstream.inFlight },
  { name: 'atomproxy_upstream_queued', help: 'Atoms waiting for an upstream connection, in every thread.', value: (upstream) => upstream.queued },
];

/** Connection states of the pool index, exported as one gauge with a `state` label. */
const CONNECTION_STATES = ['idle', 'busy', 'connecting', 'warming'] as const;

/**
 * The admin listener's GET /metrics: prom-client's registry with collectors that read the shared pool index at
 * scrape time (every thread counts into it, so one scrape sees the whole process), plus prom-client's default
 * process metrics (memory, CPU, event loop of the main thread).
 */
export function createMetrics(index: PoolIndex, upstreams: string[]): Registry {
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
  return registry;
}
