import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { Cell, PoolIndex, Upstream } from '../../src/pool/pool-index.js';
import type { ExecutorSettings } from '../../src/workers/upstream/executor-settings.js';
import { UpstreamConnections } from '../../src/workers/upstream/upstream-connections.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { waitFor } from '../helpers/wait.js';

function settingsFor(overrides: Partial<ExecutorSettings>): ExecutorSettings {
  return {
    connectTimeoutMs: 2000,
    idleTimeoutMs: 4000,
    responseTimeoutMs: 5000,
    maxConnections: 0,
    maxIdle: 0,
    minIdle: 0,
    maxRequestsPerConnection: 0,
    maxLifetimeMs: 0,
    tls: { servername: null, caFile: null, verify: true, certFile: null, keyFile: null },
    ...overrides,
  };
}

/** Every count the worker keeps for slot 0 must match the connections it really holds. */
function assertBalanced(index: PoolIndex): void {
  const cell = (field: number) => index.get(0, 0, field) + index.get(0, 1, field);
  assert.equal(index.total(0, Upstream.IDLE), cell(Cell.IDLE));
  assert.equal(
    index.total(0, Upstream.CONNECTIONS),
    cell(Cell.IDLE) + cell(Cell.BUSY) + cell(Cell.CONNECTING) + cell(Cell.WARMING),
  );
}

describe('one worker’s upstream connections', () => {
  let origin: TestOrigin;
  before(async () => {
    origin = await startOrigin();
  });
  after(() => origin.close());

  it('closes a warm connection that finds ATOM_UPSTREAM_MAX_IDLE full, and still serves the next request', async () => {
    const index = PoolIndex.create(1, 2);
    // Another worker (slot 1) already holds both idle places ATOM_UPSTREAM_MAX_IDLE=2 allows.
    index.count(0, 1, Cell.IDLE, 2);
    index.addTotal(0, Upstream.CONNECTIONS, 2);
    assert.ok(index.reserveTotal(0, Upstream.IDLE, 2) && index.reserveTotal(0, Upstream.IDLE, 2));
    const pool = new UpstreamConnections(origin.url, origin.url, settingsFor({ minIdle: 2, maxIdle: 2 }), index, 0, 0);
    const acceptedBefore = origin.connections;
    pool.warm();
    await waitFor(() => index.get(0, 0, Cell.CLOSED) === 1, 'the warm connection to be closed for want of an idle place');
    assert.equal(origin.connections, acceptedBefore + 1);
    assertBalanced(index);

    const connection = pool.acquire();
    // undici's request() through this connection: the proxy itself only dispatches, so its Client lacks the helpers.
    const response = await request(origin.url, { dispatcher: connection.client });
    assert.equal(await response.body.text(), 'ok');
    pool.release(connection);
    assert.equal(index.get(0, 0, Cell.CONNECTING), 0);
    assertBalanced(index);
    await pool.close();
  });
});
