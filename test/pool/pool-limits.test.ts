import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { startRacingOrigin, ORIGIN_IDLE_CLOSE_MS } from '../helpers/racing-origin.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const get = (path = '/') => `GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`;

describe('upstream pool limits, global over two workers', () => {
  const origins: TestOrigin[] = [];
  const proxies: ProxyProcess[] = [];
  const setUp = async (env: Record<string, string>, origin?: TestOrigin) => {
    const upstream = origin ?? (await startOrigin());
    origins.push(upstream);
    const proxy = await startProxy({ ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '2', ATOM_UPSTREAMS: upstream.url, ...env });
    proxies.push(proxy);
    return { origin: upstream, proxy };
  };
  after(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await Promise.all(origins.map((origin) => origin.close()));
  });

  it('closes an upstream connection after ATOM_UPSTREAM_MAX_REQUESTS requests', async () => {
    const { origin, proxy } = await setUp({ ATOM_UPSTREAM_MAX_REQUESTS: '3' });
    const client = await RawClient.connect(proxy.port);
    for (let i = 0; i < 9; i++) {
      client.send(get(`/${i}`));
      assert.equal((await client.readResponse()).status, 200);
    }
    client.destroy();
    assert.equal(origin.connections, 3);
    await waitFor(() => origin.open === 0, 'the third connection to close after its third request');
    const [upstream] = (await proxy.pool()).upstreams;
    assert.equal(upstream!.closed, 3);
    assert.equal(upstream!.connections, 0);
  });

  it('closes an upstream connection older than ATOM_UPSTREAM_MAX_LIFETIME_MS instead of reusing it', async () => {
    const { origin, proxy } = await setUp({ ATOM_UPSTREAM_MAX_LIFETIME_MS: '300' });
    assert.equal((await rawRequest(proxy.port, get())).status, 200);
    await sleep(400);
    assert.equal((await rawRequest(proxy.port, get())).status, 200);
    assert.equal(origin.connections, 2);
    assert.equal((await proxy.pool()).upstreams[0]!.reused, 0);
  });

  it('keeps at most ATOM_UPSTREAM_MAX_IDLE idle connections over all workers', async () => {
    const slow = await startOrigin((request, response) => {
      request.resume();
      setTimeout(() => response.end('ok'), 200);
    });
    const { proxy } = await setUp({ ATOM_UPSTREAM_MAX_IDLE: '2' }, slow);
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => rawRequest(proxy.port, get(`/${i}`))));
    assert.deepEqual(statuses.map((response) => response.status), new Array(8).fill(200));
    assert.equal(slow.connections, 8);
    await waitFor(() => slow.open === 2, 'all but two connections to close');
    const [upstream] = (await proxy.pool()).upstreams;
    assert.equal(upstream!.idle, 2);
    assert.equal(upstream!.closed, 6);
  });

  it('opens ATOM_UPSTREAM_MIN_IDLE connections ahead of traffic, shared over the workers, and reuses them', async () => {
    const { origin, proxy } = await setUp({ ATOM_UPSTREAM_MIN_IDLE: '3' });
    await waitFor(() => origin.connections === 3, 'the warm connections');
    // The origin sees a connection accepted before the worker that opened it has counted it idle in the index.
    await waitFor(async () => (await proxy.pool()).upstreams[0]!.idle === 3, 'the warm connections counted idle');
    const warm = (await proxy.pool()).upstreams[0]!;
    assert.equal(warm.idle, 3);
    assert.deepEqual(warm.workers.map((worker) => worker.idle), [2, 1]);
    for (let i = 0; i < 5; i++) assert.equal((await rawRequest(proxy.port, get(`/${i}`))).status, 200);
    assert.equal(origin.connections, 3, 'no connection was opened for the requests');
    assert.equal((await proxy.pool()).upstreams[0]!.reused, 5);
  });

  it('closes an idle connection before the upstream’s Keep-Alive: timeout=N hint runs out', async () => {
    const hinting = await startOrigin((_request, response) => {
      response.setHeader('keep-alive', 'timeout=2');
      response.end('ok');
    });
    const { proxy } = await setUp({ ATOM_UPSTREAM_IDLE_TIMEOUT_MS: '60000' }, hinting);
    assert.equal((await rawRequest(proxy.port, get())).status, 200);
    assert.equal(hinting.open, 1);
    // The hint says 2 s; the proxy closes 1 s before it, never after (its own idle timeout here is 60 s).
    await waitFor(() => hinting.open === 0, 'the proxy to close the connection', 1900);
  });

  it('notices an idle connection the upstream closed and opens another instead of failing', async () => {
    const racing = await startRacingOrigin();
    const { proxy } = await setUp({}, racing);
    assert.equal((await rawRequest(proxy.port, get())).status, 200);
    await sleep(ORIGIN_IDLE_CLOSE_MS + 300);
    assert.equal((await rawRequest(proxy.port, get())).status, 200);
    assert.equal(racing.connections, 2);
    const [upstream] = (await proxy.pool()).upstreams;
    assert.equal(upstream!.replays, 0, 'dropped before reuse, not replayed after a failure');
    assert.equal(upstream!.closed, 1);
  });
});
