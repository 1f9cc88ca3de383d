import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { makeAuthority, type TestAuthority } from '../helpers/certificates.js';
import { startDelayRelay } from '../helpers/delay-relay.js';
import { findTool } from '../helpers/find-tool.js';
import { startTlsOrigin, type TlsOrigin } from '../helpers/tls-origin.js';
import { waitFor } from '../helpers/wait.js';

const missing = findTool('openssl') ? '' : 'openssl';
if (missing && process.env.CI) throw new Error(`CI must install ${missing}`);

/** GET `path` from 127.0.0.1:`port` as origin.test through `agent`; resolves with status, body and milliseconds taken. */
function get(port: number, path: string, agent: Agent): Promise<{ status: number; body: string; headers: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, servername: 'origin.test', agent, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body, headers: response.headers, ms: performance.now() - started }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 10 s')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the TLS origin (an HTTPS upstream that counts its handshakes)', { skip: missing ? `install ${missing}` : false, timeout: 60_000 }, () => {
  let authority: TestAuthority;
  let origin: TlsOrigin;

  before(async () => {
    authority = makeAuthority();
    origin = await startTlsOrigin(authority.issue(['origin.test']));
  });
  after(async () => {
    await origin?.close();
    authority?.remove();
  });

  it('answers hello with a Content-Length, records the request and its SNI, and tells a resumed handshake from a full one', async () => {
    const agent = new Agent({ ca: authority.cert, keepAlive: false });
    const before = { handshakes: origin.handshakes, connections: origin.connections, requests: origin.requests.length };
    const first = await get(origin.port, '/first', agent);
    const second = await get(origin.port, '/second', agent);
    agent.destroy();
    assert.deepEqual([first.status, first.body, first.headers['content-length']], [200, 'hello\n', '6']);
    assert.equal(second.body, 'hello\n');
    assert.equal(origin.connections - before.connections, 2);
    assert.deepEqual(origin.handshakes, { full: before.handshakes.full + 1, resumed: before.handshakes.resumed + 1, failed: before.handshakes.failed });
    const recorded = origin.requests.slice(before.requests);
    assert.deepEqual(recorded.map(({ method, url, servername }) => [method, url, servername]), [['GET', '/first', 'origin.test'], ['GET', '/second', 'origin.test']]);
    assert.equal(recorded[0]!.headers.host, `127.0.0.1:${origin.port}`);
  });

  it('counts a handshake the client refused (a CA it does not trust) as failed', async () => {
    const failedBefore = origin.handshakes.failed;
    const agent = new Agent({ keepAlive: false });
    await assert.rejects(get(origin.port, '/', agent), /self-signed|unable to verify|certificate/);
    agent.destroy();
    // The server sees the client's alert a moment after the client gave up.
    await waitFor(() => origin.handshakes.failed > failedBefore, 'the refused handshake to be counted');
    assert.equal(origin.handshakes.failed, failedBefore + 1);
  });

  it('behind the delay relay, a new TLS connection costs TCP, TLS and request round trips; a kept-alive one only the request', async () => {
    const delayMs = 25;
    const relay = await startDelayRelay({ target: { host: '127.0.0.1', port: origin.port }, delayMs });
    const agent = new Agent({ ca: authority.cert, keepAlive: true, maxSockets: 1 });
    try {
      const opening = await get(relay.port, '/', agent);
      const reusing = await get(relay.port, '/', agent);
      assert.equal(relay.connections, 1);
      assert.ok(opening.ms >= 3 * 2 * delayMs, `a new connection's request took ${opening.ms} ms`);
      assert.ok(reusing.ms >= 2 * delayMs, `a kept-alive request took ${reusing.ms} ms`);
    } finally {
      agent.destroy();
      await relay.close();
    }
  });

  it('runs a custom handler, and close() cuts the connections still open', async () => {
    const custom = await startTlsOrigin({ ...authority.issue(['origin.test']), handler: (_request, response) => response.end('custom') });
    const agent = new Agent({ ca: authority.cert, keepAlive: true });
    const answer = await get(custom.port, '/', agent);
    assert.equal(answer.body, 'custom');
    assert.equal(custom.open, 1);
    await custom.close();
    assert.equal(custom.open, 0);
    agent.destroy();
  });
});
