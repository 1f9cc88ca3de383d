import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { UWS_IS_20_30, VARIANTS } from '../helpers/matrix.js';
import { waitFor } from '../helpers/wait.js';

/** Origin requests aborted by the proxy (their connection closed before we answered), by path. */
const abortedPaths: string[] = [];

function scenario(request: IncomingMessage, response: ServerResponse): void {
  switch (request.url) {
    case '/echo-headers':
      request.resume();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ headers: request.headers, raw: request.rawHeaders }));
      return;
    case '/upstream-close':
      request.resume();
      response.setHeader('connection', 'close');
      response.end('closing upstream');
      return;
    case '/hop-response':
      request.resume();
      response.writeHead(200, [
        'Connection', 'X-Origin-Hop',
        'X-Origin-Hop', '1',
        'Keep-Alive', 'timeout=30',
        'Proxy-Authenticate', 'Basic realm="x"',
        'Trailer', 'X-Checksum',
        'Upgrade', 'h2c',
        'X-Kept', 'yes',
      ]);
      response.end('hi');
      return;
    case '/echo-body':
      // Streams the request body back without a Content-Length: a chunked response.
      request.on('data', (chunk: Buffer) => response.write(chunk));
      request.on('end', () => response.end());
      return;
    case '/head':
      response.writeHead(200, { 'content-length': '1234', 'x-head': 'yes' });
      response.end();
      return;
    case '/204':
      response.writeHead(204, { 'x-no': 'content' });
      response.end();
      return;
    case '/304':
      response.writeHead(304, { etag: '"v1"' });
      response.end();
      return;
    case '/never':
      request.resume();
      response.on('close', () => abortedPaths.push('/never'));
      return;
    default:
      request.resume();
      response.end('ok');
  }
}

for (const variant of VARIANTS) {
  describe(`HTTP semantics through the ${variant.name}`, { skip: variant.skip }, () => {
    let origin: TestOrigin;
    let proxy: ProxyProcess;

    before(async () => {
      origin = await startOrigin(scenario);
      proxy = await startProxy({ ...variant.env, ATOM_UPSTREAMS: origin.url });
    });
    after(async () => {
      await proxy.stop();
      await origin.close();
    });

    it('keeps a keep-alive client on one connection and one upstream connection', async () => {
      const opened = origin.connections;
      const client = await RawClient.connect(proxy.port);
      for (let i = 0; i < 5; i++) {
        client.send(`GET /ka/${i} HTTP/1.1\r\nHost: test\r\n\r\n`);
        const response = await client.readResponse();
        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), 'ok');
      }
      client.destroy();
      assert.ok(origin.connections - opened <= 1, `opened ${origin.connections - opened} upstream connections`);
    });

    it('closes a Connection: close client after its response but keeps reusing the upstream connection', async () => {
      await rawRequest(proxy.port, 'GET /warm HTTP/1.1\r\nHost: test\r\n\r\n');
      const opened = origin.connections;
      for (let i = 0; i < 20; i++) {
        const client = await RawClient.connect(proxy.port);
        client.send(`GET /close/${i} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
        const response = await client.readResponse();
        assert.equal(response.status, 200);
        assert.equal(response.header('connection'), 'close', 'the response announces the close');
        assert.equal(await client.closesWithin(3000), true, 'client connection should close');
        client.destroy();
      }
      // With several threads, a response can reach its client a moment before its atom leaves the index; a next
      // request that lands on another thread in that moment opens that thread's first connection (known race).
      const workers = Number(variant.env.ATOM_WORKERS);
      assert.ok(origin.connections - opened <= workers - 1, `close clients must reuse pooled upstream connections: ${origin.connections - opened} opened`);
    });

    it('closes only the upstream connection when the upstream says Connection: close', async () => {
      const opened = origin.connections;
      const pooled = (await proxy.pool()).upstreams[0]!.connections;
      const client = await RawClient.connect(proxy.port);
      for (let i = 0; i < 3; i++) {
        client.send('GET /upstream-close HTTP/1.1\r\nHost: test\r\n\r\n');
        const response = await client.readResponse();
        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), 'closing upstream');
        assert.notEqual(response.header('connection')?.toLowerCase(), 'close');
      }
      client.destroy();
      // Requests may ride the connections already pooled (one per thread at most); each close forces a new one.
      assert.ok(origin.connections - opened >= 3 - pooled, `only ${origin.connections - opened} new upstream connections with ${pooled} pooled`);
    });

    it('never forwards hop-by-hop request headers, nor those Connection names', async () => {
      const response = await rawRequest(
        proxy.port,
        'GET /echo-headers HTTP/1.1\r\nHost: test\r\nConnection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\n' +
          'Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers, deflate\r\nTrailer: X-T\r\n' +
          'Upgrade: websocket\r\nProxy-Authorization: Basic eDp5\r\nX-End-To-End: yes\r\n\r\n',
      );
      assert.equal(response.status, 200);
      const seen = (JSON.parse(response.body.toString()) as { headers: Record<string, string> }).headers;
      for (const name of ['x-secret-hop', 'keep-alive', 'proxy-connection', 'trailer', 'upgrade', 'proxy-authorization']) {
        assert.equal(seen[name], undefined, `${name} crossed the proxy`);
      }
      assert.doesNotMatch(seen.connection ?? '', /x-secret-hop/i, 'the client Connection header crossed');
      assert.equal(seen.te, 'trailers');
      assert.equal(seen['x-end-to-end'], 'yes');
    });

    it('never forwards hop-by-hop response headers, nor those Connection names', async () => {
      const response = await rawRequest(proxy.port, 'GET /hop-response HTTP/1.1\r\nHost: test\r\n\r\n');
      assert.equal(response.status, 200);
      assert.equal(response.body.toString(), 'hi');
      for (const name of ['x-origin-hop', 'proxy-authenticate', 'trailer', 'upgrade']) {
        assert.equal(response.header(name), undefined, `${name} crossed the proxy`);
      }
      assert.notEqual(response.header('keep-alive'), 'timeout=30');
      assert.notEqual(response.header('connection'), 'X-Origin-Hop');
      assert.equal(response.header('x-kept'), 'yes');
      assert.equal(response.header('via'), '1.1 atomproxy');
    });

    it('keeps Host and adds X-Forwarded-For (appended), X-Forwarded-Proto, X-Forwarded-Host and Via', async () => {
      const response = await rawRequest(
        proxy.port,
        'GET /echo-headers HTTP/1.1\r\nHost: example.test\r\nX-Forwarded-For: 10.0.0.1\r\nVia: 1.1 edge\r\n' +
          'X-Forwarded-Proto: https\r\n\r\n',
      );
      const seen = (JSON.parse(response.body.toString()) as { headers: Record<string, string> }).headers;
      assert.equal(seen.host, 'example.test');
      assert.match(seen['x-forwarded-for']!, /^10\.0\.0\.1, (::ffff:)?127\.0\.0\.1$/);
      assert.equal(seen['x-forwarded-proto'], 'http');
      assert.equal(seen['x-forwarded-host'], 'example.test');
      assert.equal(seen.via, '1.1 edge, 1.1 atomproxy');
    });

    it('relays a chunked request body and a chunked response body', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send('POST /echo-body HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n');
      client.send('5\r\nhello\r\n');
      client.send('6\r\n world\r\n');
      client.send('0\r\n\r\n');
      const response = await client.readResponse();
      assert.equal(response.status, 200);
      assert.equal(response.header('transfer-encoding')?.toLowerCase(), 'chunked');
      assert.equal(response.body.toString(), 'hello world');
      client.send('GET /after HTTP/1.1\r\nHost: test\r\n\r\n');
      assert.equal((await client.readResponse()).body.toString(), 'ok', 'connection still framed correctly');
      client.destroy();
    });

    it('frames HEAD, 204 and 304 responses without a body and keeps the connection usable', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send('HEAD /head HTTP/1.1\r\nHost: test\r\n\r\n');
      const head = await client.readResponse({ bodiless: true });
      assert.equal(head.status, 200);
      assert.equal(head.header('content-length'), '1234');
      assert.equal(head.header('x-head'), 'yes');
      client.send('GET /204 HTTP/1.1\r\nHost: test\r\n\r\n');
      const noContent = await client.readResponse();
      assert.equal(noContent.status, 204);
      assert.equal(noContent.header('x-no'), 'content');
      client.send('GET /304 HTTP/1.1\r\nHost: test\r\n\r\n');
      const notModified = await client.readResponse();
      assert.equal(notModified.status, 304);
      assert.equal(notModified.header('etag'), '"v1"');
      client.send('GET /after HTTP/1.1\r\nHost: test\r\n\r\n');
      const after = await client.readResponse();
      assert.equal(after.body.toString(), 'ok', 'no stray body bytes were left on the connection');
      client.destroy();
    });

    it('answers 400 to a request with two Host headers instead of guessing which one routes it', async () => {
      const seen = origin.requests.length;
      const response = await rawRequest(proxy.port, 'GET /two-hosts HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n');
      assert.equal(response.status, 400);
      // uWS after 20.30 refuses a second Host itself, with a page of its own; everywhere else atomproxy answers.
      const uwsAnswers = variant.env.ATOM_ACCEPTOR === 'uws' && !UWS_IS_20_30;
      assert.match(response.body.toString(), uwsAnswers ? /uWebSockets/ : /^400 Bad Request\n$/);
      assert.equal(origin.requests.length, seen, 'nothing reached the upstream');
    });

    it('cancels the upstream request when the client goes away', async () => {
      const seenBefore = origin.requests.length;
      const abortedBefore = abortedPaths.length;
      const client = await RawClient.connect(proxy.port);
      client.send('GET /never HTTP/1.1\r\nHost: test\r\n\r\n');
      await waitFor(() => origin.requests.length > seenBefore, 'origin to receive the request');
      client.destroy();
      await waitFor(() => abortedPaths.length > abortedBefore, 'origin to see the upstream request cancelled');
    });
  });
}
