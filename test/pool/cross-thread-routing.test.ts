import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ToExecutor } from '../../src/atom/messages.js';
import { AtomStats } from '../../src/pool/atom-stats.js';
import { Cell, PoolIndex, Upstream } from '../../src/pool/pool-index.js';
import type { AtomRequest, ClientResponder } from '../../src/workers/client/client-side.js';
import { Forwarder, type ForwarderPolicy } from '../../src/workers/router/forwarder.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Two threads' routers over one pool index, in one thread, with the executors replaced by a record of what
 * was sent where: the interleavings that decide the caps, played in a fixed order.
 */
const policy: ForwarderPolicy = {
  upstreams: ['http://127.0.0.1:9'],
  maxConnectionsPerUpstream: 1,
  queueMax: 10,
  queueTimeoutMs: 5000,
  maxBodyBytes: 0,
  maxFails: 0,
  failTimeoutMs: 1000,
  routing: 'reuse-first',
  retries: 2,
  replayMaxBodyBytes: 1024,
  balance: 'round-robin',
  weights: [1],
  preferLast: false,
};
const request = (path: string): AtomRequest => ({ method: 'GET', path, headers: ['host', 't'], hasBody: false, contentLength: -1, client: '127.0.0.1:1', connection: 0 });
const answers: string[] = [];
const responder = (name: string): ClientResponder => ({
  head: () => true,
  write: () => true,
  onDrain() {},
  end() {},
  reject: (status) => void answers.push(`${name} ${status}`),
  abort() {},
  pauseBody() {},
  resumeBody() {},
});

function twoRouters() {
  const index = PoolIndex.create(1, 2);
  const stats = AtomStats.create(1);
  const sent: Array<{ from: number; to: number; message: ToExecutor }> = [];
  const routerOf = (here: number) =>
    new Forwarder(policy, index, stats, here, {
      linkTo: (to) => ({ send: (message) => void sent.push({ from: here, to, message }), sendChunk() {} }),
      reachable: () => true,
    }, pino({ level: 'silent' }), null);
  return { index, sent, routers: [routerOf(0), routerOf(1)] as const };
}
const opened = (sent: ReturnType<typeof twoRouters>['sent'], path: string) =>
  sent.find(({ message }) => message.k === 'open' && message.p === path) as
    | { from: number; to: number; message: Extract<ToExecutor, { k: 'open' }> }
    | undefined;

describe('routing between threads over one index (cap 1)', () => {
  it('starts a waiting atom when the only place frees between its failed try and its place in the queue', async () => {
    const { index, sent, routers } = twoRouters();
    routers[0].open(request('/a'), responder('a'));
    const a = opened(sent, '/a')!;
    index.count(0, 0, Cell.BUSY, 1); // thread 0's executor runs it
    // Thread 0 finishes /a exactly after thread 1 found no place for /b and before /b is counted as waiting.
    const reserve = index.reserveRouted.bind(index);
    index.reserveRouted = (...args) => {
      index.reserveRouted = reserve;
      index.count(0, 0, Cell.BUSY, -1);
      index.count(0, 0, Cell.IDLE, 1);
      routers[0].deliver({ k: 'end', id: a.message.id });
      return reserve(...args);
    };
    routers[1].open(request('/b'), responder('b'));
    await waitFor(() => opened(sent, '/b') !== undefined, '/b to be sent to the idle connection', 1000);
    assert.deepEqual(opened(sent, '/b')!.to, 0, 'it hops to thread 0, which holds the idle connection');
    assert.equal(index.total(0, Upstream.QUEUED), 0);
  });

  it('keeps a cancelled atom’s place under the cap until its executor says the connection is released', async () => {
    const { index, sent, routers } = twoRouters();
    const handle = routers[0].open(request('/a'), responder('a'));
    const a = opened(sent, '/a')!;
    index.count(0, 0, Cell.BUSY, 1); // undici still holds the connection after the abort
    handle.clientGone();
    assert.ok(sent.some(({ message }) => message.k === 'cancel' && message.id === a.message.id));
    routers[1].open(request('/b'), responder('b'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(opened(sent, '/b'), undefined, 'no place under the cap while the connection is busy');
    assert.equal(index.total(0, Upstream.QUEUED), 1);
    index.count(0, 0, Cell.BUSY, -1);
    index.count(0, 0, Cell.IDLE, 1);
    routers[0].deliver({ k: 'released', id: a.message.id });
    await waitFor(() => opened(sent, '/b') !== undefined, '/b to take the released connection', 1000);
    assert.equal(opened(sent, '/b')!.to, 0);
    assert.equal(index.get(0, 0, Cell.ASSIGNED), 1, 'only /b is assigned now');
    assert.deepEqual(answers, []);
  });
});
