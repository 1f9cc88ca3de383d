import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { UWS_IS_20_30, VARIANTS } from '../helpers/matrix.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { RawClient, rawRequest, type RawResponse } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

/** What the origin received of one request: its target, raw header list, body, and how it ended. */
interface Received {
  url: string;
  rawHeaders: string[];
  body: string;
  /** The whole request arrived. */
  complete: boolean;
  /** The request ended, completely or cut short. */
  settled: boolean;
}

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((part) => Buffer.from(typeof part === 'string' ? part : part)));

/** A request that a proxy which framed the previous one wrongly would forward on its own. */
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n';

// Request smuggling and ambiguous framing, asserted on what reached the origin: every refused request closes its
// connection and nothing the client sent after its head reaches an upstream, in either engine.
for (const variant of VARIANTS) {
  const node = variant.env.ATOM_ACCEPTOR === 'node';
  describe(`framing read strictly by the ${variant.name}`, { skip: variant.skip }, () => {
    let origin: TestOrigin;
    let proxy: ProxyProcess;
    const received: Received[] = [];
    const origins = () => received.map((request) => request.url);

    before(async () => {
      origin = await startOrigin((request: IncomingMessage, response) => {
        const chunks: Buffer[] = [];
        const entry: Received = { url: request.url ?? '', rawHeaders: request.rawHeaders, body: '', complete: false, settled: false };
        received.push(entry);
        request.once('close', () => (entry.settled = true));
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          entry.body = Buffer.concat(chunks).toString('latin1');
          entry.complete = true;
          // `/slow…` keeps its response under way while the test sends what follows it.
          setTimeout(() => response.end(`got ${request.url}`), request.url?.startsWith('/slow') ? 300 : 0);
        });
      });
      proxy = await startProxy({ ...variant.env, ATOM_UPSTREAMS: origin.url, ATOM_MAX_HEADER_FIELDS: '30' });
    });
    after(async () => {
      await proxy.stop();
      await origin.close();
    });

    /**
     * Sends `request` in one write on a new connection; resolves with the response if one came, and checks the
     * connection closed. Then a control request on another connection must reach the origin, so anything the
     * proxy would have forwarded from the refused connection has had its turn to arrive before the caller looks.
     */
    async function refused(request: string | Buffer, options: { malformedForUws?: boolean } = {}): Promise<RawResponse | null> {
      // uWS 20.30 holds what its parser refuses (a `_` in a name, NUL and other control bytes) unanswered.
      const held = !node && UWS_IS_20_30 && options.malformedForUws === true;
      const client = await RawClient.connect(proxy.port);
      client.send(request);
      let response: RawResponse | null = null;
      try {
        response = await client.readResponse({ timeoutMs: held ? 500 : 3000 });
      } catch {
        // no answer: allowed only where the uWS build itself drops the request (asserted by the callers)
      }
      if (held) assert.equal(response, null, 'uWS 20.30 holds this request unanswered');
      else assert.equal(await client.closesWithin(3000), true, 'the connection of a refused request closes');
      client.destroy();
      const control = await rawRequest(proxy.port, 'GET /control HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(control.status, 200);
      return response;
    }

    function assertNothingForwarded(marker: string): void {
      const leaked = origins().filter((url) => url.includes(marker) || url.includes('smuggled'));
      assert.deepEqual(leaked, [], `the origin received ${leaked.join(', ')}`);
    }

    /** node answers every refusal; uWS answers what reaches JavaScript and closes what is parsed behind it. */
    function assertAnswer(response: RawResponse | null, status: number): void {
      if (node || response) assert.equal(response?.status, status);
    }

    it('CL.CL: two Content-Length values, a smuggled request behind', async () => {
      const response = await refused(`POST /clcl HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello${SMUGGLED}`);
      assertAnswer(response, 400);
      assertNothingForwarded('/clcl');
    });

    it('CL.TE and TE.CL: Content-Length beside Transfer-Encoding', async () => {
      assertAnswer(await refused(`POST /clte HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`), 400);
      assertAnswer(await refused(`POST /tecl HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n`), 400);
      assertNothingForwarded('/clte');
      assertNothingForwarded('/tecl');
    });

    it('a bad chunk in the read that brought the head: nothing reaches the origin', async () => {
      const response = await refused(`POST /badchunk HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${SMUGGLED}`);
      if (node) assert.equal(response?.status, 400);
      assertNothingForwarded('/badchunk');
    });

    it('a bad chunk after the head was forwarded: the origin never gets a complete request', async () => {
      const client = await RawClient.connect(proxy.port);
      client.send('POST /laterbad HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      await waitFor(() => origins().includes('/laterbad'), 'the head at the origin');
      client.send(`zz\r\n${SMUGGLED}`);
      assert.equal(await client.closesWithin(3000), true);
      client.destroy();
      const entry = received.find((request) => request.url === '/laterbad')!;
      await waitFor(() => entry.settled, 'the end of the request at the origin');
      assert.equal(entry.complete, false, 'the upstream request was cut, not completed');
      assert.equal((await rawRequest(proxy.port, 'GET /control HTTP/1.1\r\nHost: t\r\n\r\n')).status, 200);
      assertNothingForwarded('/nothing-else');
    });

    it('answers 501 to transfer codings other than chunked, 400 to malformed ones, and forwards nothing', async () => {
      // [coding, node engine's answer, uws engine's answer]: llhttp refuses some heads itself with 400 before
      // atomproxy sees them; uWS passes every one of them on.
      const cases: Array<[string, number, number]> = [
        ['gzip, chunked', 501, 501],
        ['xchunked', 501, 501],
        ['chunked, chunked', 400, 400],
        ['chunked;param', 400, 400],
      ];
      for (const [coding, nodeStatus, uwsStatus] of cases) {
        const request = `POST /coding HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: ${coding}\r\n\r\n0\r\n\r\n`;
        assert.equal((await refused(request))?.status, node ? nodeStatus : uwsStatus, coding);
        assertAnswer(await refused(request + SMUGGLED), node ? nodeStatus : uwsStatus);
      }
      assertAnswer(await refused(`POST /twote HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`), 400);
      assertNothingForwarded('/coding');
      assertNothingForwarded('/twote');
    });

    it('refuses a no-break space inside Content-Length or Transfer-Encoding', async () => {
      assertAnswer(await refused(bytes('POST /nbsp HTTP/1.1\r\nHost: t\r\nContent-Length: 5', [0xa0], `\r\n\r\nhello${SMUGGLED}`)), 400);
      assertAnswer(await refused(bytes('POST /nbsp HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked', [0xa0], `\r\n\r\n0\r\n\r\n${SMUGGLED}`)), 400);
      assertNothingForwarded('/nbsp');
    });

    it('refuses header names that read as framing fields once normalised, and what follows them', async () => {
      for (const name of ['Content_Length', 'Transfer---Encoding', 'content--length']) {
        const value = name.toLowerCase().includes('transfer') ? 'chunked' : String(SMUGGLED.length);
        const response = await refused(`POST /lookalike HTTP/1.1\r\nHost: t\r\n${name}: ${value}\r\n\r\n${SMUGGLED}`, {
          malformedForUws: name.includes('_'),
        });
        if (response || node) assert.equal(response?.status, 400, name);
      }
      assertNothingForwarded('/lookalike');
    });

    it('answers 431 to more header fields than ATOM_MAX_HEADER_FIELDS, never dropping the rest', async () => {
      const fields = Array.from({ length: 40 }, (_, i) => `X-F${i}: v\r\n`).join('');
      const response = await refused(`POST /fields HTTP/1.1\r\nHost: t\r\n${fields}Content-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`);
      assertAnswer(response, 431);
      assertNothingForwarded('/fields');
    });

    it('answers 431 to a 64 KiB request header', async () => {
      const response = await refused(`GET /big HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      assertAnswer(response, 431);
      assertNothingForwarded('/big');
    });

    it('refuses control bytes in a header value and closes', async () => {
      for (const byte of [0x7f, 0x00, 0x1b]) {
        const response = await refused(bytes('GET /control-byte HTTP/1.1\r\nHost: t\r\nX-V: a', [byte], `b\r\n\r\n${SMUGGLED}`), {
          malformedForUws: byte !== 0x7f,
        });
        if (response || node) assert.equal(response?.status, 400, `byte ${byte}`);
      }
      assertNothingForwarded('/control-byte');
    });

    it('passes header values byte for byte, obs-text included', async () => {
      // "café €!": UTF-8 inside the value (uWS drops such bytes at either end of a value; see the known limit below).
      const value = [0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20, 0xe2, 0x82, 0xac, 0x21];
      const response = await rawRequest(proxy.port, bytes('GET /utf8 HTTP/1.1\r\nHost: t\r\nX-V: ', value, '\r\n\r\n'));
      assert.equal(response.status, 200);
      const entry = received.find((request) => request.url === '/utf8')!;
      const forwarded = entry.rawHeaders[entry.rawHeaders.findIndex((name) => name.toLowerCase() === 'x-v') + 1]!;
      assert.deepEqual([...Buffer.from(forwarded, 'latin1')], value);
    });

    it('forwards a value that is not UTF-8 byte for byte (node) or refuses it (uws: it reaches JavaScript decoded)', async () => {
      for (const value of [[0x61, 0xff, 0x62], [0x61, 0xe9, 0x62]]) {
        const marker = `/latin1-${value[1]}`;
        const request = bytes(`GET ${marker} HTTP/1.1\r\nHost: t\r\nX-V: `, value, '\r\n\r\n');
        if (node) {
          assert.equal((await rawRequest(proxy.port, request)).status, 200);
          const entry = received.find((request) => request.url === marker)!;
          const forwarded = entry.rawHeaders[entry.rawHeaders.findIndex((name) => name.toLowerCase() === 'x-v') + 1]!;
          assert.deepEqual([...Buffer.from(forwarded, 'latin1')], value);
        } else {
          assertAnswer(await refused(Buffer.concat([request, Buffer.from(SMUGGLED)])), 400);
          assertNothingForwarded(marker);
        }
      }
    });

    if (!node) {
      const hiddenFields = 'known limit of every uWS build: uWS ends the header list at such a line (docs/configuration.md)';
      it('a field line with an empty or colon-led name hides the fields after it', { todo: hiddenFields }, async () => {
        const client = await RawClient.connect(proxy.port);
        client.send(`POST /victim HTTP/1.1\r\nHost: t\r\n:x: y\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n`);
        await client.readResponse({ timeoutMs: 3000 }).catch(() => null);
        client.send(SMUGGLED); // the body, in a later read: a server that saw the Content-Length reads it as such
        await client.readResponse({ timeoutMs: 1000 }).catch(() => null);
        client.destroy();
        assert.equal((await rawRequest(proxy.port, 'GET /control HTTP/1.1\r\nHost: t\r\n\r\n')).status, 200);
        assertNothingForwarded('/victim');
      });

      const edgeBytes = 'known limit of every uWS build: its parser trims bytes >= 0x80 at either end of a value like spaces';
      it('passes bytes >= 0x80 at the ends of a header value', { todo: edgeBytes }, async () => {
        const value = [0xc3, 0xa9, 0x61, 0xc3, 0xa9];
        const response = await rawRequest(proxy.port, bytes('GET /edges HTTP/1.1\r\nHost: t\r\nX-V: ', value, '\r\n\r\n'));
        assert.equal(response.status, 200);
        const entry = received.find((request) => request.url === '/edges')!;
        const forwarded = entry.rawHeaders[entry.rawHeaders.findIndex((name) => name.toLowerCase() === 'x-v') + 1]!;
        assert.deepEqual([...Buffer.from(forwarded, 'latin1')], value);
      });
    }

    if (node) {
      it('refuses Transfer-Encoding in an HTTP/1.0 request and closes', async () => {
        const response = await refused(`POST /te10 HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`);
        assert.equal(response?.status, 400);
        assertNothingForwarded('/te10');
      });

      it('refuses a field line with an empty or colon-led name', async () => {
        assert.equal((await refused(`POST /colon HTTP/1.1\r\nHost: t\r\n:x: y\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`))?.status, 400);
        assertNothingForwarded('/colon');
      });

      it('answers a valid request followed by garbage in the same write, then 400, then closes', async () => {
        const client = await RawClient.connect(proxy.port);
        client.send('GET /valid HTTP/1.1\r\nHost: t\r\n\r\nHELLO\r\n\r\n');
        const first = await client.readResponse();
        assert.equal(first.status, 200);
        assert.equal(first.body.toString(), 'got /valid');
        assert.equal((await client.readResponse()).status, 400);
        assert.equal(await client.closesWithin(3000), true);
        client.destroy();
      });

      it('answers complete requests before a parse error, a body one among them, then 400, then closes', async () => {
        const client = await RawClient.connect(proxy.port);
        client.send('POST /body-first HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhelloGET /then HTTP/1.1\r\nHost: t\r\n\r\nGARBAGE\u0001\r\n\r\n');
        assert.equal((await client.readResponse()).body.toString(), 'got /body-first');
        assert.equal((await client.readResponse()).body.toString(), 'got /then');
        assert.equal((await client.readResponse()).status, 400);
        assert.equal(await client.closesWithin(3000), true);
        client.destroy();
        assert.equal(received.find((request) => request.url === '/body-first')?.body, 'hello');
      });

      it('refuses a bad chunk in a request that says Connection: close, forwarding nothing', async () => {
        const response = await refused('POST /close-bad HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n');
        assert.equal(response?.status, 400);
        assertNothingForwarded('/close-bad');
      });

      it('keeps the 400 of a parse error when more bytes follow it (node:http reports the error again)', async () => {
        const client = await RawClient.connect(proxy.port);
        client.send('GET /slow-then-garbage HTTP/1.1\r\nHost: t\r\n\r\n');
        await waitFor(() => origins().includes('/slow-then-garbage'), 'the first request at the origin');
        client.send('GARBAGE\u0001\r\n\r\n');
        await new Promise((resolve) => setTimeout(resolve, 50));
        client.send('more\r\n');
        assert.equal((await client.readResponse()).body.toString(), 'got /slow-then-garbage');
        assert.equal((await client.readResponse()).status, 400);
        assert.equal(await client.closesWithin(3000), true);
        client.destroy();
      });

      it('answers a CONNECT pipelined behind a request after that request, with 405', async () => {
        const client = await RawClient.connect(proxy.port);
        client.send('GET /slow-before-connect HTTP/1.1\r\nHost: t\r\n\r\nCONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n');
        assert.equal((await client.readResponse()).body.toString(), 'got /slow-before-connect');
        assert.equal((await client.readResponse()).status, 405);
        assert.equal(await client.closesWithin(3000), true);
        client.destroy();
      });

      it('answers 505 to a request line without an HTTP version (llhttp reads it as HTTP/0.9)', async () => {
        const response = await refused('POST /no-version\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
        assert.equal(response?.status, 505);
        assertNothingForwarded('/no-version');
      });

      it('never forwards a request pipelined behind a refused one', async () => {
        const response = await refused(`POST /first HTTP/1.1\r\nHost: t\r\nContent_Length: 0\r\n\r\n${SMUGGLED}${SMUGGLED}`);
        assert.equal(response?.status, 400);
        assertNothingForwarded('/first');
      });
    }
  });
}
