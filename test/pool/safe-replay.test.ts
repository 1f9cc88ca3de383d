import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { startRacingOrigin, type RacingOrigin } from '../helpers/racing-origin.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

/** Just under the origin's 1000 ms idle close, so each request meets a connection the origin is closing. */
const spacing = () => 960 + Math.random() * 15;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const replaysLogged = (proxy: ProxyProcess, reason?: string) =>
  proxy.logs.filter((line) => line.msg === 'atom sent again' && (reason === undefined || line.reason === reason)).length;

/**
 * The resends the proxy made: its pool view's count, once its log shows as many `atom sent again` lines. This,
 * not the racing origin's count, is the measure: a request written into a connection the origin already closed is
 * reset by the kernel and never reaches the origin's code, so `racesLost` is only a lower bound.
 */
async function replaysMade(proxy: ProxyProcess): Promise<number> {
  const replays = (await proxy.pool()).upstreams[0]!.replays;
  await waitFor(() => replaysLogged(proxy) === replays, `${replays} 'atom sent again' log lines, one per replay`);
  return replays;
}

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
    const replays = await replaysMade(proxy);
    assert.ok(replays > 0, 'the set-up must produce the race');
    assert.equal(replaysLogged(proxy, 'stale'), replays, 'every resend was for a connection closed under the request');
    assert.ok(replays >= origin.racesLost, `${replays} replays, but the origin dropped ${origin.racesLost} requests`);
    assert.deepEqual(origin.answeredPaths, statuses.map((_, i) => `/get/${i}`), 'each GET executed once');
  });

  it('never replays a POST: each one that met a closing connection is a logged 502', async () => {
    const { proxy, origin } = await setUp();
    const statuses = await spacedRequests(proxy, 10, (i) => `POST /post/${i} HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nx=${i % 10}`);
    assert.ok(statuses.every((status) => status === 200 || status === 502), `statuses: ${statuses.join(' ')}`);
    assert.equal((await proxy.pool()).upstreams[0]!.replays, 0, 'no POST was sent again');
    const failed = statuses.filter((status) => status === 502).length;
    assert.ok(failed > 0, 'the set-up must produce the race');
    assert.ok(failed >= origin.racesLost, `${failed} 502s, but the origin dropped ${origin.racesLost} POSTs`);
    const failedLines = () => proxy.logs.filter((line) => line.msg === 'atom failed' && line.status === 502).length;
    await waitFor(() => failedLines() === failed, 'a log line for every 502');
    assert.equal(replaysLogged(proxy), 0);
    const answered = statuses.flatMap((status, i) => (status === 200 ? [`/post/${i}`] : []));
    assert.deepEqual(origin.answeredPaths, answered, 'the origin executed exactly the POSTs answered 200, once each');
  });

  it('replays a POST that carries Idempotency-Key', async () => {
    const { proxy, origin } = await setUp();
    const statuses = await spacedRequests(
      proxy,
      4,
      (i) => `POST /keyed/${i} HTTP/1.1\r\nHost: t\r\nIdempotency-Key: k-${i}\r\nContent-Length: 3\r\n\r\nx=${i}`,
    );
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    const replays = await replaysMade(proxy);
    assert.ok(replays > 0, 'the set-up must produce the race');
    assert.equal(replaysLogged(proxy, 'stale'), replays);
    assert.ok(replays >= origin.racesLost, `${replays} replays, but the origin dropped ${origin.racesLost} requests`);
    assert.deepEqual(origin.answeredPaths, ['/keyed/0', '/keyed/1', '/keyed/2', '/keyed/3'], 'each POST executed once');
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
