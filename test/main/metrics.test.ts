import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { closeRequest } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Reads Prometheus text exposition format strictly, as promtool's checks would: every sample belongs to a
 * metric announced by HELP and TYPE lines, names and labels are well formed, values are numbers, counters end
 * in _total, and no series appears twice.
 */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'HELP') helps.add(meta[2]!);
      else {
        assert.match(meta[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    // Values are Go floats, as Prometheus parses them: NaN and Inf in any case (prom-client writes "Nan").
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|[Nn][Aa][Nn]|[+-]?[Ii][Nn][Ff])$/.exec(line);
    assert.ok(sample, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[3] ?? '').split(/,(?=[a-zA-Z_])/).filter(Boolean)) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(pair);
      assert.ok(label, `bad label in ${line}`);
      labels[label[1]!] = label[2]!;
    }
    const family = [...types.keys()].find((name) => sample[1] === name || (sample[1]!.startsWith(`${name}_`) && types.get(name) !== 'counter'));
    assert.ok(family ?? types.has(sample[1]!), `sample without TYPE: ${line}`);
    assert.ok(helps.has(family ?? sample[1]!), `sample without HELP: ${line}`);
    assert.ok(!seen.has(`${sample[1]}${sample[2] ?? ''}`), `series twice: ${line}`);
    seen.add(`${sample[1]}${sample[2] ?? ''}`);
    samples.push({ name: sample[1]!, labels, value: Number(sample[4]) });
  }
  for (const [name, type] of types) if (type === 'counter') assert.match(name, /_total$/, `counter ${name} must end in _total`);
  return { types, samples };
}

/** Scrapes /metrics and returns a finder of sample values (labels matched as given, others ignored). */
async function scrape(proxy: ProxyProcess): Promise<(name: string, labels?: Record<string, string>) => number | undefined> {
  const { samples } = parseExposition(await (await fetch(`${proxy.adminUrl}/metrics`)).text());
  return (name, labels = {}) =>
    samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))?.value;
}

describe('GET /metrics on the admin listener', () => {
  let origin: TestOrigin;
  let proxy: ProxyProcess;

  before(async () => {
    origin = await startOrigin();
    proxy = await startProxy({ ATOM_WORKERS: '1', ATOM_UPSTREAMS: origin.url, ATOM_ACCESS_LOG: 'off' });
  });

  after(async () => {
    await proxy.stop();
    await origin.close();
  });

  it('exposes the shared pool in Prometheus text format, equal to the pool view', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await closeRequest(proxy.port, `/m${i}`)).status, 200);
    const response = await fetch(`${proxy.adminUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const { types, samples } = parseExposition(await response.text());
    const value = (name: string, labels: Record<string, string> = { upstream: origin.url }) =>
      samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))?.value;
    const [view] = (await proxy.pool()).upstreams;
    assert.equal(value('atomproxy_upstream_requests_total'), 10);
    assert.equal(value('atomproxy_upstream_requests_total'), view!.requests);
    assert.equal(value('atomproxy_upstream_connections_opened_total'), 1, 'ten close clients, one upstream connection');
    assert.equal(value('atomproxy_upstream_connections_reused_total'), 9);
    assert.equal(value('atomproxy_upstream_connections', { upstream: origin.url, state: 'idle' }), 1);
    assert.equal(value('atomproxy_upstream_connections', { upstream: origin.url, state: 'busy' }), 0);
    assert.equal(value('atomproxy_upstream_up'), 1);
    assert.equal(value('atomproxy_thread_atoms_total', { thread: '0' }), 10);
    assert.equal(types.get('atomproxy_upstream_requests_total'), 'counter');
    assert.equal(types.get('atomproxy_upstream_queued'), 'gauge');
    assert.ok((value('process_resident_memory_bytes', {}) ?? 0) > 10 * 1024 * 1024, 'process memory is there');
  });

  it('counts on: a second scrape after more traffic shows the new totals', async () => {
    const scrape = async () => parseExposition(await (await fetch(`${proxy.adminUrl}/metrics`)).text()).samples;
    const before = (await scrape()).find((sample) => sample.name === 'atomproxy_upstream_requests_total')!.value;
    for (let i = 0; i < 3; i++) assert.equal((await closeRequest(proxy.port, '/more')).status, 200);
    const after = (await scrape()).find((sample) => sample.name === 'atomproxy_upstream_requests_total')!.value;
    assert.equal(after - before, 3);
  });
});

describe('GET /metrics: answers, queue rejections and latencies that every thread counts into one place', () => {
  it('counts status classes, queue timeouts and overflows, and latency histograms over two threads', async () => {
    const origin = await startOrigin((request, response) => {
      request.resume();
      const status = /^\/s\/(\d{3})$/.exec(request.url ?? '')?.[1];
      if (request.url === '/slow') setTimeout(() => response.end('slow'), 400);
      else response.writeHead(Number(status ?? 200)).end('ok');
    });
    // One upstream connection and a queue of one, so a second waiting atom overflows and the first times out.
    const proxy = await startProxy({
      ATOM_WORKERS: '2', ATOM_UPSTREAMS: origin.url, ATOM_ACCESS_LOG: 'off',
      ATOM_UPSTREAM_MAX_CONNS: '1', ATOM_QUEUE_MAX: '1', ATOM_QUEUE_TIMEOUT_MS: '150',
    });
    try {
      for (const path of ['/s/200', '/s/200', '/s/200', '/s/200', '/s/404', '/s/404', '/s/503']) await closeRequest(proxy.port, path);
      const slow = closeRequest(proxy.port, '/slow');
      await waitFor(() => origin.requests.length === 8, 'the slow request to hold the only connection');
      const waiting = closeRequest(proxy.port, '/waits');
      await waitFor(async () => (await proxy.pool()).upstreams[0]!.queued === 1, 'an atom to wait in the queue');
      assert.equal((await closeRequest(proxy.port, '/overflows')).status, 503);
      assert.equal((await waiting).status, 503);
      assert.equal((await slow).status, 200);

      const value = await scrape(proxy);
      const up = (labels: Record<string, string> = {}) => ({ upstream: origin.url, ...labels });
      assert.equal(value('atomproxy_upstream_responses_total', up({ code: '2xx' })), 5);
      assert.equal(value('atomproxy_upstream_responses_total', up({ code: '4xx' })), 2);
      assert.equal(value('atomproxy_upstream_responses_total', up({ code: '5xx' })), 3, 'the origin’s 503 and the two the queue gave');
      assert.equal(value('atomproxy_upstream_queue_rejections_total', up({ reason: 'timeout' })), 1);
      assert.equal(value('atomproxy_upstream_queue_rejections_total', up({ reason: 'full' })), 1);
      assert.equal(value('atomproxy_upstream_replays_total', up({ reason: 'stale' })), 0);

      const histogram = (name: string) => {
        const buckets = ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']
          .map((le) => value(`${name}_bucket`, up({ le }))!);
        buckets.forEach((count, i) => assert.ok(i === 0 || count >= buckets[i - 1]!, `${name} buckets are cumulative`));
        const count = value(`${name}_count`, up())!;
        assert.equal(buckets.at(-1), count, `${name}: +Inf holds every observation`);
        return { buckets, count, sum: value(`${name}_sum`, up())! };
      };
      const total = histogram('atomproxy_upstream_request_duration_seconds');
      assert.equal(total.count, 10, 'every atom, answered by the origin or by the queue');
      assert.ok(total.sum >= 0.4 + 0.15, `the slow answer and the queue timeout are in the sum (${total.sum})`);
      assert.ok(total.buckets[8]! < 10, 'the 0.4 s atom is over le=0.25');
      assert.equal(histogram('atomproxy_upstream_first_byte_seconds').count, 8, 'the atoms the origin answered');
      assert.equal(histogram('atomproxy_upstream_queue_seconds').count, 8, 'the atoms that got a connection place');
      assert.equal(histogram('atomproxy_upstream_connect_seconds').count, value('atomproxy_upstream_connections_opened_total', up()));
      for (const thread of ['0', '1']) {
        assert.ok(value('atomproxy_thread_event_loop_delay_p99_seconds', { thread })! >= 0, `thread ${thread} reports its loop delay`);
      }
    } finally {
      await proxy.stop();
      await origin.close();
    }
  });
});
