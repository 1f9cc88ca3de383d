import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { startRacingOrigin, type RacingOrigin } from '../helpers/racing-origin.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

/** Just under the origin's 1000 ms idle close, so each request meets a connection the origin is closing. */
const spacing = () => 960 + Math.random() * 15;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const replaysLogged = (proxy: ProxyProcess, reason: string) =>
  proxy.logs.filter((line) => line.msg === 'atom sent again' && line.reason === reason).length;

/** `count` requests, each on a new client connection, spaced ~1 s apart; resolves with their statuses. */
async function spacedRequests(proxy: ProxyProcess, count: number, request: (i: number) => string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(spacing());
    statuses.push((await rawRequest(proxy.port, request(i))).status);
  }
  return statuses;
}

describe('safe replay over connections the upstream closed while idle (the keep-alive race)', () => {
  const started: Array<{ proxy: ProxyProcess; origin: RacingOrigin }> = [];
  const setUp = async () => {
    const origin = await startRacingOrigin();
    const proxy = await startProxy({ ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '2', ATOM_UPSTREAMS: origin.url });
    started.push({ proxy, origin });
    return { proxy, origin };
  };
  after(async () => {
    for (const { proxy, origin } of started) {
      await proxy.stop();
      await origin.close();
    }
  });

  it('answers 40 GETs spaced ~1 s apart without an error, replaying each one that met a closing connection', async () => {
    const { proxy, origin } = await setUp();
    const statuses = await spacedRequests(proxy, 40, (i) => `GET /get/${i} HTTP/1.1\r\nHost: t\r\n\r\n`);
    assert.deepEqual(statuses, new Array(40).fill(200));
    assert.ok(origin.racesLost > 0, 'the set-up must produce the race');
    const [upstream] = (await proxy.pool()).upstreams;
    assert.equal(upstream!.replays, origin.racesLost, 'one replay per request the origin dropped');
    await waitFor(() => replaysLogged(proxy, 'stale') === origin.racesLost, 'a log line for every replay');
    assert.equal(origin.answered, 40);
  });

  it('never replays a POST: each one that met a closing connection is a logged 502', async () => {
    const { proxy, origin } = await setUp();
    const statuses = await spacedRequests(proxy, 10, (i) => `POST /post/${i} HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nx=${i % 10}`);
    const failed = statuses.filter((status) => status === 502).length;
    assert.equal(failed + statuses.filter((status) => status === 200).length, 10, `statuses: ${statuses.join(' ')}`);
    assert.ok(origin.racesLost > 0, 'the set-up must produce the race');
    assert.equal(failed, origin.racesLost);
    assert.equal((await proxy.pool()).upstreams[0]!.replays, 0);
    const failedLines = () => proxy.logs.filter((line) => line.msg === 'atom failed' && line.status === 502).length;
    await waitFor(() => failedLines() === failed, 'a log line for every 502');
    assert.equal(replaysLogged(proxy, 'stale'), 0);
  });

  it('replays a POST that carries Idempotency-Key', async () => {
    const { proxy, origin } = await setUp();
    const statuses = await spacedRequests(
      proxy,
      4,
      (i) => `POST /keyed/${i} HTTP/1.1\r\nHost: t\r\nIdempotency-Key: k-${i}\r\nContent-Length: 3\r\n\r\nx=${i}`,
    );
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    assert.ok(origin.racesLost > 0, 'the set-up must produce the race');
    assert.equal((await proxy.pool()).upstreams[0]!.replays, origin.racesLost);
  });

  it('never replays once the response has started: the client connection is cut instead', async () => {
    const { proxy } = await setUp();
    const client = await RawClient.connect(proxy.port);
    client.send('GET /first HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal((await client.readResponse()).status, 200);
    client.send('GET /partial HTTP/1.1\r\nHost: t\r\n\r\n'); // on the pooled connection, answered halfway
    await assert.rejects(client.readResponse(), /connection closed/);
    client.destroy();
    assert.equal((await proxy.pool()).upstreams[0]!.replays, 0);
  });
});
