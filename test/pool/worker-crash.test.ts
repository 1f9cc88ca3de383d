import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { rawRequest } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const get = (i: number) => `GET /get/${i} HTTP/1.1\r\nHost: t\r\n\r\n`;
const post = (i: number) => `POST /post/${i} HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok`;

describe('a worker thread killed under load', () => {
  let origin: TestOrigin;
  let proxy: ProxyProcess;

  before(async () => {
    // Slow answers keep every atom in flight long enough to be caught by the kill.
    origin = await startOrigin((request, response) => {
      request.resume();
      setTimeout(() => response.end('ok'), 400);
    });
    proxy = await startProxy({ ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '2', ATOM_UPSTREAMS: origin.url });
  });
  after(async () => {
    await proxy.stop();
    await origin.close();
  });

  it('is replaced; only its in-flight non-replayable atoms fail, with 502, and the proxy keeps serving', async () => {
    const gets = Array.from({ length: 20 }, (_, i) => rawRequest(proxy.port, get(i)));
    const posts = Array.from({ length: 20 }, (_, i) => rawRequest(proxy.port, post(i)));
    await waitFor(() => origin.requests.length === 40, 'all 40 atoms to reach the origin');
    const killed = await fetch(`${proxy.adminUrl}/__atomproxy/workers/0/kill`, { method: 'POST' });
    assert.equal(killed.status, 202);

    const getStatuses = (await Promise.all(gets)).map((response) => response.status);
    const postStatuses = (await Promise.all(posts)).map((response) => response.status);
    assert.deepEqual(getStatuses, new Array(20).fill(200), 'GETs on the dead worker are replayed');
    const lostPosts = postStatuses.filter((status) => status === 502).length;
    assert.equal(lostPosts + postStatuses.filter((status) => status === 200).length, 20, `POST statuses: ${postStatuses.join(' ')}`);
    assert.ok(lostPosts > 0, 'some POSTs were running on the killed worker');

    const lostLines = () => proxy.logs.filter((line) => line.msg === 'atom failed' && /worker thread lost/.test(String(line.cause)));
    await waitFor(() => lostLines().length === lostPosts, 'a log line for each lost POST');
    const replayed = proxy.logs.filter((line) => line.msg === 'atom sent again' && line.reason === 'lost');
    assert.ok(replayed.length > 0 && replayed.every((line) => line.method === 'GET' && line.worker === 0));
    assert.ok(proxy.logs.some((line) => line.msg === 'worker thread lost; piscina is replacing it' && line.worker === 0));

    const upstream = (await proxy.pool()).upstreams[0]!;
    const before = upstream.workers[0]!;
    assert.ok(before.closed >= lostPosts + replayed.length, 'the dead worker’s connections were counted closed');
    const held = upstream.workers.reduce((sum, worker) => sum + worker.idle + worker.busy + worker.connecting, 0);
    assert.equal(upstream.connections, held, 'the global total matches what the live workers hold');
    const later = await Promise.all(Array.from({ length: 20 }, (_, i) => rawRequest(proxy.port, get(100 + i))));
    assert.deepEqual(later.map((response) => response.status), new Array(20).fill(200));
    const after = (await proxy.pool()).upstreams[0]!.workers[0]!;
    assert.ok(after.requests > before.requests, 'the replacement thread serves the slot');
  });

  it('refuses a kill for a worker that does not exist', async () => {
    const response = await fetch(`${proxy.adminUrl}/__atomproxy/workers/7/kill`, { method: 'POST' });
    assert.equal(response.status, 404);
    assert.match(await response.text(), /no worker 7/);
  });
});
