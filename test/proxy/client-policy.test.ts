import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originSuite } from '../helpers/origin-suite.js';
import { RawClient } from '../helpers/raw-client.js';

// Client-side policies live in the node engine (uWS 20.30 fixes its own timeouts and exposes no connection).
describe('client connection policies (node engine)', () => {
  const suite = originSuite({ ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '1' });
  const { proxyWith } = suite;

  it('closes a client connection after ATOM_CLIENT_MAX_REQUESTS responses, without touching the upstream', async () => {
    const proxy = await proxyWith({ ATOM_CLIENT_MAX_REQUESTS: '3' });
    const client = await RawClient.connect(proxy.port);
    const opened = suite.origin.connections;
    for (let i = 1; i <= 3; i++) {
      client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
      const response = await client.readResponse();
      assert.equal(response.status, 200);
      assert.equal(response.header('connection'), i < 3 ? 'keep-alive' : 'close');
    }
    assert.equal(await client.closesWithin(3000), true);
    assert.ok(suite.origin.connections - opened <= 1);
  });

  it('never forwards requests pipelined behind the last one ATOM_CLIENT_MAX_REQUESTS allows', async () => {
    const proxy = await proxyWith({ ATOM_CLIENT_MAX_REQUESTS: '1' });
    const seen = suite.origin.requests.length;
    const client = await RawClient.connect(proxy.port);
    client.send('GET /allowed HTTP/1.1\r\nHost: t\r\n\r\nGET /over-limit HTTP/1.1\r\nHost: t\r\n\r\n');
    const response = await client.readResponse();
    assert.equal(response.status, 200);
    assert.equal(response.header('connection'), 'close');
    assert.equal(await client.closesWithin(3000), true);
    assert.deepEqual(suite.origin.requests.slice(seen).map((request) => request.url), ['/allowed']);
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
