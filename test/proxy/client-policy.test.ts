import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { RawClient } from '../helpers/raw-client.js';

// Client-side policies live in the node engine (uWS 20.30 fixes its own timeouts and exposes no connection).
describe('client connection policies (node engine)', () => {
  let origin: TestOrigin;
  const proxies: ProxyProcess[] = [];
  const proxyWith = async (env: Record<string, string>) => {
    const proxy = await startProxy({ ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '1', ATOM_UPSTREAMS: origin.url, ...env });
    proxies.push(proxy);
    return proxy;
  };

  before(async () => {
    origin = await startOrigin();
  });
  after(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await origin.close();
  });

  it('closes a client connection after ATOM_CLIENT_MAX_REQUESTS responses, without touching the upstream', async () => {
    const proxy = await proxyWith({ ATOM_CLIENT_MAX_REQUESTS: '3' });
    const client = await RawClient.connect(proxy.port);
    const opened = origin.connections;
    for (let i = 1; i <= 3; i++) {
      client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
      const response = await client.readResponse();
      assert.equal(response.status, 200);
      assert.equal(response.header('connection'), i < 3 ? 'keep-alive' : 'close');
    }
    assert.equal(await client.closesWithin(3000), true);
    assert.ok(origin.connections - opened <= 1);
  });

  it('closes a client connection at its first response after ATOM_CLIENT_MAX_LIFETIME_MS', async () => {
    const proxy = await proxyWith({ ATOM_CLIENT_MAX_LIFETIME_MS: '300' });
    const client = await RawClient.connect(proxy.port);
    client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal((await client.readResponse()).header('connection'), 'keep-alive');
    await new Promise((resolve) => setTimeout(resolve, 400));
    client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    const late = await client.readResponse();
    assert.equal(late.status, 200);
    assert.equal(late.header('connection'), 'close');
    assert.equal(await client.closesWithin(3000), true);
  });

  it('closes an idle client connection after ATOM_CLIENT_IDLE_TIMEOUT_MS', async () => {
    const proxy = await proxyWith({ ATOM_CLIENT_IDLE_TIMEOUT_MS: '200' });
    const client = await RawClient.connect(proxy.port);
    client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal((await client.readResponse()).status, 200);
    assert.equal(await client.closesWithin(5000), true);
  });

  it('answers 408 when the request headers do not arrive within ATOM_CLIENT_HEADER_TIMEOUT_MS', async () => {
    const proxy = await proxyWith({ ATOM_CLIENT_HEADER_TIMEOUT_MS: '300' });
    const client = await RawClient.connect(proxy.port);
    client.send('GET / HTTP/1.1\r\nHost: t\r\n');
    const response = await client.readResponse();
    assert.equal(response.status, 408);
    assert.equal(response.body.toString(), '408 Request Timeout\n');
    assert.equal(await client.closesWithin(3000), true);
  });
});
