import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startProxyExpectingFailure } from '../helpers/proxy-process.js';

describe('loading uWebSockets.js', () => {
  it('refuses to start the uws engine on the slow JavaScript fallback, saying why', async () => {
    const { code, stderr } = await startProxyExpectingFailure({ ATOM_ACCEPTOR: 'uws', UWS_USE_FALLBACK: '1' });
    assert.equal(code, 1);
    assert.match(stderr, /^atomproxy: failed to start: ATOM_ACCEPTOR=uws but only the JavaScript fallback of uWebSockets\.js loaded/);
  });
});
