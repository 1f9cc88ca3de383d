import assert from 'node:assert/strict';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { bareNodeTarget, bareUwsTarget } from '../../bench/targets/bare-relay.js';
import type { RunningTarget } from '../../bench/targets/target.js';
import { engineSkip } from '../helpers/matrix.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { rawRequest } from '../helpers/raw-client.js';
import { countBody, patternStream, streamRequest } from '../helpers/stream-client.js';

const MiB = 2 ** 20;
/** More than the relay's 64 upstream Clients: one left paused by a client that went away would hang a later request. */
const ABANDONED = 70;

/** `/download/N` streams N bytes; anything else is answered with what reached the origin, as JSON. */
function echo(request: IncomingMessage, response: ServerResponse): void {
  const download = /^\/download\/(\d+)$/.exec(request.url!);
  if (download) {
    response.setHeader('content-length', download[1]!);
    patternStream(Number(download[1])).pipe(response);
    return;
  }
  let bytes = 0;
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
    response.setHeader('proxy-connection', 'keep-alive');
    response.setHeader('x-end-to-end', 'kept');
    response.end(JSON.stringify({ method: request.method, url: request.url, headers: request.headers, bytes }));
  });
}

async function echoed(response: IncomingMessage): Promise<{ url: string; headers: Record<string, string>; bytes: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString()) as { url: string; headers: Record<string, string>; bytes: number };
}

for (const [target, skip] of [
  [bareNodeTarget, false],
  [bareUwsTarget, engineSkip('uws')],
] as const) {
  describe(`bench target ${target.id}: ${target.name}`, { skip }, () => {
    let origin: TestOrigin;
    let relay: RunningTarget;
    before(async () => {
      origin = await startOrigin(echo);
      relay = await target.start({ kind: 'test', url: origin.url, accepted: async () => origin.connections, stop: () => origin.close() });
    });
    after(async () => {
      await relay?.stop();
      await origin?.close();
    });

    it('forwards the method, target and end-to-end headers, and drops hop-by-hop headers both ways', async () => {
      const port = Number(new URL(relay.url).port);
      const response = await rawRequest(port, 'GET /echo?x=1 HTTP/1.1\r\nHost: bench\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nX-Mine: 1\r\n\r\n');
      assert.equal(response.status, 200);
      assert.equal(response.header('x-end-to-end'), 'kept');
      assert.equal(response.header('proxy-connection'), undefined);
      const seen = JSON.parse(response.body.toString()) as { method: string; url: string; headers: Record<string, string> };
      assert.equal(seen.method, 'GET');
      assert.equal(seen.url, '/echo?x=1');
      assert.equal(seen.headers['x-mine'], '1');
      assert.equal(seen.headers.te, undefined);
      assert.equal(seen.headers['proxy-connection'], undefined);
    });

    it('streams uploads (with a length and chunked) and downloads whole', async () => {
      const sized = await echoed(await streamRequest(`${relay.url}/upload`, { method: 'POST', headers: { 'content-length': 64 * 1024 }, body: patternStream(64 * 1024) }));
      assert.equal(sized.bytes, 64 * 1024);
      assert.equal(sized.headers['content-length'], String(64 * 1024));
      const chunked = await echoed(await streamRequest(`${relay.url}/upload`, { method: 'POST', body: patternStream(64 * 1024) }));
      assert.equal(chunked.bytes, 64 * 1024);
      assert.equal(await countBody(await streamRequest(`${relay.url}/download/${8 * MiB}`, {})), 8 * MiB);
    });

    it('aborts the upstream request of a client that went away mid-download, so its upstream Client serves the next', async () => {
      // Not awaited: a download queued behind a paused one on the same upstream Client gets no headers.
      const abandoned = Array.from({ length: ABANDONED }, () => request(`${relay.url}/download/${64 * MiB}`, { agent: false }).on('error', () => {}).end());
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const download of abandoned) download.destroy();
      const answers = await Promise.all(Array.from({ length: ABANDONED }, async () => (await echoed(await streamRequest(`${relay.url}/after`, {}))).url));
      assert.deepEqual(new Set(answers), new Set(['/after']));
    });

    it('stops on SIGTERM', async () => {
      const [pid] = relay.pids();
      await relay.stop();
      assert.throws(() => process.kill(pid!, 0), { code: 'ESRCH' });
    });
  });
}
