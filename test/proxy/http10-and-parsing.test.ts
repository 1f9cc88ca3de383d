import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { NODE_VARIANTS } from '../helpers/matrix.js';
import { waitFor } from '../helpers/wait.js';

// HTTP/1.0, pipelining and parse errors: node engine only (uWS 20.30 cannot parse HTTP/1.0 and closes
// connections that pipeline while a response is pending; see docs/configuration.md).
for (const variant of NODE_VARIANTS) {
  describe(`HTTP/1.0, pipelining and malformed requests through the ${variant.name}`, () => {
    let origin: TestOrigin;
    let proxy: ProxyProcess;

    before(async () => {
      origin = await startOrigin((request, response) => {
        request.resume();
        if (request.url === '/chunked') {
          response.write('part one, ');
          response.end('part two');
          return;
        }
        if (request.url?.startsWith('/slow/')) {
          // Answers pipelined requests out of order upstream; the client must still get them in order.
          const delay = Number(request.url.slice(6));
          setTimeout(() => response.end(`answer ${delay}`), delay);
          return;
        }
        response.end(`you asked for ${request.url}`);
      });
      proxy = await startProxy({ ...variant.env, ATOM_UPSTREAMS: origin.url, ATOM_MAX_HEADER_BYTES: '4096' });
    });
    after(async () => {
      await proxy.stop();
      await origin.close();
    });

    it('answers an HTTP/1.0 request without keep-alive and closes, still reusing the upstream connection', async () => {
      await rawRequest(proxy.port, 'GET /warm HTTP/1.1\r\nHost: t\r\n\r\n');
      const opened = origin.connections;
      for (let i = 0; i < 10; i++) {
        const client = await RawClient.connect(proxy.port);
        client.send(`GET /ten/${i} HTTP/1.0\r\n\r\n`);
        const response = await client.readResponse();
        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), `you asked for /ten/${i}`);
        assert.equal(await client.closesWithin(3000), true);
        client.destroy();
      }
      assert.equal(origin.connections - opened, 0, 'HTTP/1.0 clients must reuse the pooled upstream connection');
    });

    it('keeps an HTTP/1.0 keep-alive client open with Connection: keep-alive and a Content-Length', async () => {
      const client = await RawClient.connect(proxy.port);
      for (let i = 0; i < 3; i++) {
        client.send(`GET /ka10/${i} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
        const response = await client.readResponse();
        assert.equal(response.status, 200);
        assert.equal(response.header('connection')?.toLowerCase(), 'keep-alive');
        assert.equal(response.header('content-length'), String(`you asked for /ka10/${i}`.length));
      }
      client.destroy();
    });

    it('close-delimits an HTTP/1.0 keep-alive response whose length is unknown', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send('GET /chunked HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const response = await client.readResponse();
      assert.equal(response.header('transfer-encoding'), undefined, 'HTTP/1.0 has no chunked encoding');
      assert.equal(response.body.toString(), 'part one, part two');
      assert.equal(await client.closesWithin(3000), true);
    });

    it('answers pipelined requests in order, even when the upstream answers them out of order', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send(
        'GET /slow/150 HTTP/1.1\r\nHost: t\r\n\r\nGET /slow/0 HTTP/1.1\r\nHost: t\r\n\r\nGET /slow/50 HTTP/1.1\r\nHost: t\r\n\r\n',
      );
      const bodies = [];
      for (let i = 0; i < 3; i++) bodies.push((await client.readResponse()).body.toString());
      assert.deepEqual(bodies, ['answer 150', 'answer 0', 'answer 50']);
      client.destroy();
    });

    it('never forwards requests pipelined behind one that says Connection: close (RFC 9112 §9.6)', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send('GET /last HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /after-close HTTP/1.1\r\nHost: t\r\n\r\n');
      const response = await client.readResponse();
      assert.equal(response.body.toString(), 'you asked for /last');
      assert.equal(response.header('connection'), 'close');
      assert.equal(await client.closesWithin(3000), true);
      client.destroy();
      await rawRequest(proxy.port, 'GET /control HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.ok(!origin.requests.some((request) => request.url === '/after-close'), 'the request after close reached the origin');
    });

    it('never forwards requests pipelined behind an HTTP/1.0 request without keep-alive', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send('GET /only10 HTTP/1.0\r\n\r\nGET /after-10 HTTP/1.0\r\n\r\n');
      assert.equal((await client.readResponse()).body.toString(), 'you asked for /only10');
      assert.equal(await client.closesWithin(3000), true);
      client.destroy();
      await rawRequest(proxy.port, 'GET /control HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.ok(!origin.requests.some((request) => request.url === '/after-10'), 'the request after the HTTP/1.0 one reached the origin');
    });

    it('forwards an absolute-form target in origin form, with its authority as Host', async () => {
      const response = await rawRequest(proxy.port, 'GET http://good.test/abs?q=1 HTTP/1.1\r\nHost: evil.test\r\n\r\n');
      assert.equal(response.body.toString(), 'you asked for /abs?q=1');
      assert.equal(origin.requests.at(-1)!.headers.host, 'good.test');
    });

    it('answers 400 to an absolute-form target that is not an http or https URL', async () => {
      for (const target of ['foo:///x', 'ftp://example.test/x', 'http://user@example.test/x']) {
        const response = await rawRequest(proxy.port, `GET ${target} HTTP/1.1\r\nHost: good.test\r\n\r\n`);
        assert.equal(response.status, 400, target);
      }
    });

    it('answers 400 to a request whose own chunked body is malformed', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send('POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
      const response = await client.readResponse();
      assert.equal(response.status, 400);
      assert.equal(await client.closesWithin(3000), true);
    });

    it('answers OPTIONS * itself with 200 and Allow', async () => {
      const response = await rawRequest(proxy.port, 'OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(response.status, 200);
      assert.match(response.header('allow') ?? '', /OPTIONS/);
    });

    it('answers the requests before a malformed one in order, then 400, then closes', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send('GET /slow/100 HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n');
      const first = await client.readResponse();
      assert.equal(first.body.toString(), 'answer 100', 'the request before the malformed one is answered first');
      assert.equal((await client.readResponse()).status, 400);
      assert.equal(await client.closesWithin(3000), true);
      client.destroy();
    });

    it('answers a malformed request with 400 and a short body, and closes', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send('GET / HTTP/1.1\r\nHost: t\r\nBad Header Name: x\r\n\r\n');
      const response = await client.readResponse();
      assert.equal(response.status, 400);
      assert.equal(response.body.toString(), '400 Bad Request\n');
      assert.equal(await client.closesWithin(3000), true);
    });

    it('answers oversized request headers with 431', async () => {
      const response = await rawRequest(proxy.port, `GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
      assert.equal(response.status, 431);
      assert.equal(response.body.toString(), '431 Request Header Fields Too Large\n');
      await waitFor(() => proxy.logs.some((line) => line.status === 431), 'a log line naming the 431');
    });

    it('answers CONNECT with 405 and an Allow header: tunnelling is not supported', async () => {
      const response = await rawRequest(proxy.port, 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n');
      assert.equal(response.status, 405);
      assert.match(response.header('allow') ?? '', /GET/);
    });

    it('answers a request with both Content-Length and Transfer-Encoding with 400', async () => {
      const response = await rawRequest(
        proxy.port,
        'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      );
      assert.equal(response.status, 400);
    });
  });
}
