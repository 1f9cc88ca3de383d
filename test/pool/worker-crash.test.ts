import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { ENGINES, sharedPortSkip } from '../helpers/matrix.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

/** Which thread accepted `client`'s connection: the one whose atom count a probe request moves. */
async function acceptingThread(proxy: ProxyProcess, client: RawClient): Promise<number> {
  const before = (await proxy.pool()).threads.map((thread) => thread.atoms);
  client.send('GET /probe HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.equal((await client.readResponse()).status, 200);
  return (await proxy.pool()).threads.findIndex((thread, slot) => thread.atoms > before[slot]!);
}

/** Keep-alive connections until one was accepted by each of the two threads (the kernel spreads them). */
async function oneClientPerThread(proxy: ProxyProcess): Promise<[RawClient, RawClient]> {
  const found: Array<RawClient | undefined> = [];
  const spare: RawClient[] = [];
  while (!found[0] || !found[1]) {
    const client = await RawClient.connect(proxy.port);
    const thread = await acceptingThread(proxy, client);
    if (found[thread]) spare.push(client);
    else found[thread] = client;
  }
  for (const client of spare) client.destroy();
  return [found[0], found[1]];
}

for (const engine of ENGINES) {
  describe(`a worker thread killed while it runs atoms for another (${engine} engine)`, { skip: sharedPortSkip(engine) }, () => {
    for (const method of ['GET', 'POST'] as const) {
      it(`takes its own clients' connections with it; another thread's ${method} on it is ${method === 'GET' ? 'replayed' : 'answered 502'}; it is replaced`, async () => {
        const held: ServerResponse[] = [];
        const origin: TestOrigin = await startOrigin((request, response) => {
          request.resume();
          if (request.url!.startsWith('/slow')) held.push(response);
          else response.end('ok');
        });
        // One connection in all, opened ahead of traffic by thread 0: every atom of thread 1 hops there.
        const proxy = await startProxy({
          ATOM_ACCEPTOR: engine,
          ATOM_WORKERS: '2',
          ATOM_UPSTREAMS: origin.url,
          ATOM_UPSTREAM_MAX_CONNS: '1',
          ATOM_UPSTREAM_MIN_IDLE: '1',
          ATOM_ADMIN_ALLOW_KILL: '1',
        });
        try {
          await waitFor(async () => (await proxy.pool()).upstreams[0]!.workers[0]!.idle === 1, 'thread 0 to hold the warm connection');
          const [ownClient, otherClient] = await oneClientPerThread(proxy);
          const request = method === 'GET' ? 'GET /slow/other HTTP/1.1\r\nHost: t\r\n\r\n' : 'POST /slow/other HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok';
          otherClient.send(request);
          await waitFor(() => held.length === 1, 'thread 1’s atom to reach the origin through thread 0');
          ownClient.send('GET /slow/own HTTP/1.1\r\nHost: t\r\n\r\n');
          await waitFor(async () => (await proxy.pool()).upstreams[0]!.queued === 1, 'thread 0’s own atom to wait for the connection');

          const killed = await fetch(`${proxy.adminUrl}/__atomproxy/workers/0/kill`, { method: 'POST' });
          assert.equal(killed.status, 202);
          assert.equal(await ownClient.closesWithin(5000), true, 'thread 0’s client connection died with it');
          assert.equal(ownClient.received().length, 0, 'and got no answer');
          if (method === 'GET') {
            await waitFor(() => held.length === 2, 'the GET to be sent again by thread 1');
            held[1]!.end('replayed');
            const response = await otherClient.readResponse();
            assert.equal(response.status, 200);
            assert.equal(response.body.toString(), 'replayed');
            assert.ok(proxy.logs.some((line) => line.msg === 'atom sent again' && line.reason === 'lost' && line.worker === 0));
          } else {
            const response = await otherClient.readResponse();
            assert.equal(response.status, 502);
            await waitFor(() => proxy.logs.some((line) => line.msg === 'atom failed' && /worker thread lost/.test(String(line.cause))), 'the 502 logged');
            assert.equal(held.length, 1, 'a POST is never sent twice');
          }
          assert.ok(!origin.requests.some((seen) => seen.url === '/slow/own'), 'the dead thread’s waiting atom never left it');
          assert.ok(proxy.logs.some((line) => line.msg === 'worker thread lost; piscina is replacing it' && line.worker === 0));

          await waitFor(async () => (await proxy.pool()).threads[0]!.accepting, 'the replacement to listen again');
          const atomsBefore = (await proxy.pool()).threads[0]!.atoms;
          const later = await Promise.all(
            Array.from({ length: 40 }, (_, i) => rawRequest(proxy.port, `GET /later/${i} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`)),
          );
          assert.deepEqual(later.map((response) => response.status), new Array(40).fill(200));
          // The last atoms' counts may reach the index a moment after their responses reached the clients.
          await waitFor(async () => (await proxy.pool()).upstreams[0]!.inFlight === 0, 'no atom left in flight');
          const { threads, upstreams } = await proxy.pool();
          assert.ok(threads[0]!.atoms > atomsBefore, 'the replacement accepts clients again');
          const upstream = upstreams[0]!;
          assert.equal(upstream.queued, 0);
          assert.ok(upstream.workers.every((worker) => worker.assigned === 0), 'no atom left assigned anywhere');
          const open = upstream.workers.reduce((sum, worker) => sum + worker.idle + worker.busy + worker.connecting + worker.warming, 0);
          assert.equal(upstream.connections, open, 'the global total matches what the live threads hold');
          otherClient.destroy();
        } finally {
          for (const response of held) response.destroy();
          await proxy.stop();
          await origin.close();
        }
      });
    }

    it('refuses a kill for a worker that does not exist', async () => {
      const proxy = await startProxy({ ATOM_ACCEPTOR: engine, ATOM_WORKERS: '2', ATOM_UPSTREAMS: 'http://127.0.0.1:9', ATOM_ADMIN_ALLOW_KILL: '1' });
      try {
        const response = await fetch(`${proxy.adminUrl}/__atomproxy/workers/7/kill`, { method: 'POST' });
        assert.equal(response.status, 404);
        assert.match(await response.text(), /no worker 7/);
      } finally {
        await proxy.stop();
      }
    });
  });
}
