import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startOrigin, startRawOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { VARIANTS } from '../helpers/matrix.js';
import { waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/free-port.js';

function failureLogged(proxy: ProxyProcess, status: number, cause: RegExp): () => boolean {
  return () =>
    proxy.logs.some(
      (line) => line.status === status && typeof line.atom === 'number' && typeof line.upstream === 'string' && cause.test(String(line.cause)),
    );
}

for (const variant of VARIANTS) {
  describe(`error answers through the ${variant.name}`, { skip: variant.skip }, () => {
    const proxies: ProxyProcess[] = [];
    const origins: TestOrigin[] = [];
    const held: ServerResponse[] = [];
    let refused: ProxyProcess;
    let malformed: ProxyProcess;
    let silent: ProxyProcess;
    let capped: ProxyProcess;
    let limited: ProxyProcess;
    let cutting: ProxyProcess;
    let holdingOrigin: TestOrigin;

    async function proxyTo(upstream: string, env: Record<string, string> = {}): Promise<ProxyProcess> {
      const proxy = await startProxy({ ...variant.env, ATOM_UPSTREAMS: upstream, ...env });
      proxies.push(proxy);
      return proxy;
    }

    before(async () => {
      const garbage = await startRawOrigin((socket) => socket.end('HTTP/1.1 2OO Okay\r\nContent-Length: x\r\n\r\n'));
      const mute = await startRawOrigin(() => undefined);
      const cutter = await startRawOrigin((socket) => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
        setTimeout(() => socket.destroy(), 20);
      });
      holdingOrigin = await startOrigin((request, response) => {
        request.resume();
        if (request.url === '/hold') held.push(response);
        else if (request.url === '/upload') request.on('end', () => response.end('uploaded'));
        else response.end('ok');
      });
      origins.push(garbage, mute, cutter, holdingOrigin);
      cutting = await proxyTo(cutter.url, { ATOM_UPSTREAM_MAX_CONNS: '1' });
      refused = await proxyTo(`http://127.0.0.1:${await freePort()}`);
      malformed = await proxyTo(garbage.url);
      silent = await proxyTo(mute.url, { ATOM_RESPONSE_TIMEOUT_MS: '300' });
      capped = await proxyTo(holdingOrigin.url, { ATOM_UPSTREAM_MAX_CONNS: '1', ATOM_QUEUE_MAX: '1', ATOM_QUEUE_TIMEOUT_MS: '500' });
      limited = await proxyTo(holdingOrigin.url, { ATOM_MAX_BODY_BYTES: '1000' });
    });
    after(async () => {
      for (const response of held) response.end();
      await Promise.all(proxies.map((proxy) => proxy.stop()));
      await Promise.all(origins.map((origin) => origin.close()));
    });

    it('answers 502 when the upstream refuses the connection, and logs atom, upstream and cause', async () => {
      const response = await rawRequest(refused.port, 'GET / HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(response.status, 502);
      assert.equal(response.body.toString(), '502 Bad Gateway\n');
      await waitFor(failureLogged(refused, 502, /ECONNREFUSED/), 'the 502 log line');
    });

    it('answers 502 when the upstream response is malformed', async () => {
      const response = await rawRequest(malformed.port, 'GET / HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(response.status, 502);
      await waitFor(failureLogged(malformed, 502, /./), 'the 502 log line');
    });

    it('answers 504 when the upstream sends no response within ATOM_RESPONSE_TIMEOUT_MS', async () => {
      const response = await rawRequest(silent.port, 'GET / HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(response.status, 504);
      assert.equal(response.body.toString(), '504 Gateway Timeout\n');
      await waitFor(failureLogged(silent, 504, /timeout/), 'the 504 log line');
    });

    it('answers 503 with Retry-After when the connection cap is reached and the queue is full or times out', async () => {
      const first = await RawClient.connect(capped.port);
      first.send('GET /hold HTTP/1.1\r\nHost: t\r\n\r\n');
      await waitFor(() => held.length === 1, 'the first request to occupy the only upstream connection');
      const waiting = [rawRequest(capped.port, 'GET /b HTTP/1.1\r\nHost: t\r\n\r\n'), rawRequest(capped.port, 'GET /c HTTP/1.1\r\nHost: t\r\n\r\n')];
      for (const response of await Promise.all(waiting)) {
        assert.equal(response.status, 503);
        assert.equal(response.header('retry-after'), '1');
        assert.equal(response.body.toString(), '503 Service Unavailable\n');
      }
      await waitFor(failureLogged(capped, 503, /ATOM_QUEUE_MAX/), 'the queue-full log line');
      await waitFor(failureLogged(capped, 503, /ATOM_QUEUE_TIMEOUT_MS/), 'the queue-timeout log line');
      held.shift()!.end('released');
      assert.equal((await first.readResponse()).body.toString(), 'released');
      first.destroy();
      const later = await rawRequest(capped.port, 'GET /later HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(later.status, 200, 'capacity is back once the connection is free');
    });

    it('cuts the client connection when the upstream fails mid-body, and counts the atom once', async () => {
      for (let i = 0; i < 3; i++) {
        const client = await RawClient.connect(cutting.port);
        client.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
        await assert.rejects(client.readResponse(), /connection closed/);
        client.destroy();
      }
      await waitFor(failureLogged(cutting, 502, /./), 'the 502 log line');
      // stop() in after() checks that no atom is still assigned: an atom finished twice would leave -1.
    });

    it('lets a queued atom take the connection a cancelled atom frees', async () => {
      const first = await RawClient.connect(capped.port);
      first.send('GET /hold HTTP/1.1\r\nHost: t\r\n\r\n');
      await waitFor(() => held.length === 1, 'the first request to occupy the only upstream connection');
      const queued = rawRequest(capped.port, 'GET /queued HTTP/1.1\r\nHost: t\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 50)); // let it reach the queue
      first.destroy(); // cancels the held atom; its connection frees up once undici lets go of it
      const response = await queued;
      assert.equal(response.status, 200, 'the queued atom must not wait out ATOM_QUEUE_TIMEOUT_MS');
      held.shift();
    });

    it('answers 413 and closes when Content-Length is over ATOM_MAX_BODY_BYTES', async () => {
      const client = await RawClient.connect(limited.port);
      client.send(`POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n${'x'.repeat(5000)}`);
      const response = await client.readResponse();
      assert.equal(response.status, 413);
      assert.equal(response.body.toString(), '413 Payload Too Large\n');
      assert.equal(await client.closesWithin(3000), true);
    });

    it('answers 413 when a chunked body grows over ATOM_MAX_BODY_BYTES, and accepts one under it', async () => {
      const client = await RawClient.connect(limited.port);
      client.send('POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
      client.send(`400\r\n${'y'.repeat(1024)}\r\n400\r\n${'y'.repeat(1024)}\r\n0\r\n\r\n`);
      assert.equal((await client.readResponse()).status, 413);
      client.destroy();
      const small = await rawRequest(limited.port, `POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 900\r\n\r\n${'z'.repeat(900)}`);
      assert.equal(small.status, 200);
      assert.equal(small.body.toString(), 'uploaded');
    });
  });
}
