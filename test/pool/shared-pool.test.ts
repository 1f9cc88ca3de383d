import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originSuite } from '../helpers/origin-suite.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { ENGINES, engineSkip } from '../helpers/matrix.js';

/** Runs `total` requests through `lanes` concurrent loops; resolves with every status seen. */
async function inLanes(total: number, lanes: number, request: (i: number) => Promise<number>): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) statuses.push(await request(next++));
    }),
  );
  return statuses;
}

const closeRequest = (i: number) => `GET /close/${i} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`;

for (const engine of ENGINES) {
  describe(`one upstream pool shared by two workers (${engine} engine)`, { skip: engineSkip(engine) }, () => {
    const suite = originSuite({ ATOM_ACCEPTOR: engine, ATOM_WORKERS: '2' });
    const { proxyWith } = suite;

    it('serves 1000 Connection: close clients, 8 at a time, over at most ATOM_UPSTREAM_MAX_CONNS connections', async () => {
      const acceptedBefore = suite.origin.connections;
      const proxy = await proxyWith({ ATOM_UPSTREAM_MAX_CONNS: '8' });
      const statuses = await inLanes(1000, 8, async (i) => {
        const response = await rawRequest(proxy.port, closeRequest(i));
        assert.equal(response.header('connection'), 'close');
        return response.status;
      });
      assert.equal(statuses.filter((status) => status === 200).length, 1000);
      assert.ok(suite.origin.connections - acceptedBefore <= 8, `origin accepted ${suite.origin.connections - acceptedBefore}`);

      const [upstream] = (await proxy.pool()).upstreams;
      assert.equal(upstream!.requests, 1000);
      assert.equal(upstream!.opened, suite.origin.connections - acceptedBefore);
      assert.equal(upstream!.reused, 1000 - upstream!.opened, 'every request but the first on each connection reused one');
      assert.equal(upstream!.workers.length, 2);
      for (const worker of upstream!.workers) assert.ok(worker.requests > 0, `worker ${worker.worker} ran no request`);
      assert.equal(upstream!.inFlight, 0);
    });

    for (const routing of ['reuse-first', 'local-first']) {
      it(`runs requests from many client connections over one connection held by one worker (cap 1, ${routing})`, async () => {
        const acceptedBefore = suite.origin.connections;
        const proxy = await proxyWith({ ATOM_UPSTREAM_MAX_CONNS: '1', ATOM_WORKER_ROUTING: routing });
        // 4 keep-alive clients (their connections' homes are on both workers) and 4 lanes of close clients, at once.
        const keepAliveLane = async () => {
          const client = await RawClient.connect(proxy.port);
          const seen: number[] = [];
          for (let i = 0; i < 5; i++) {
            client.send(`GET /kept/${i} HTTP/1.1\r\nHost: t\r\n\r\n`);
            seen.push((await client.readResponse()).status);
          }
          client.destroy();
          return seen;
        };
        const closeLane = async () => {
          const seen: number[] = [];
          for (let i = 0; i < 5; i++) seen.push((await rawRequest(proxy.port, closeRequest(i))).status);
          return seen;
        };
        const lanes = await Promise.all([...Array.from({ length: 4 }, keepAliveLane), ...Array.from({ length: 4 }, closeLane)]);
        const statuses = lanes.flat();
        assert.deepEqual(statuses, new Array(40).fill(200));
        assert.equal(suite.origin.connections - acceptedBefore, 1, 'the origin saw one connection');
        const [upstream] = (await proxy.pool()).upstreams;
        assert.equal(upstream!.opened, 1);
        assert.equal(upstream!.requests, 40);
        const opener = upstream!.workers.find((worker) => worker.opened === 1)!;
        assert.equal(opener.requests, 40, 'every request ran on the worker that holds the connection');
      });
    }
  });
}
