import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildConnector, Client } from '../../src/workers/upstream/undici-client.js';

it('loads the very Client class undici’s package entry exports, from its own file', async () => {
  const undici = await import('undici');
  assert.equal(Client, undici.Client);
});

it('loads the very buildConnector undici’s package entry exports, from its own file', async () => {
  const undici = await import('undici');
  assert.equal(buildConnector, undici.buildConnector);
});
