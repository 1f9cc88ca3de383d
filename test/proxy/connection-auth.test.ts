import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { VARIANTS } from '../helpers/matrix.js';
import { startOrigin } from '../helpers/origin.js';
import { startProxy } from '../helpers/proxy-process.js';
import { closeRequest, RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

/** An NTLM message: the signature and its type (1 negotiate, 2 challenge, 3 authenticate), as base64. */
const ntlm = (type: number) => Buffer.concat([Buffer.from('NTLMSSP\0', 'latin1'), Buffer.from([type, 0, 0, 0])]).toString('base64');
const typeOf = (authorization: string) => Buffer.from(authorization.replace(/^NTLM /, ''), 'base64')[8];

/**
 * An origin that authenticates connections as NTLM does: the negotiate, challenge and authenticate messages
 * must travel on one connection, and the connection is then authenticated for every later request on it.
 * `authenticated` records the sockets that completed the handshake, and whether they are still open.
 */
function ntlmOrigin(authenticated: Map<Socket, { open: boolean }>) {
  const challenged = new WeakSet<Socket>();
  return (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    const socket = request.socket;
    const authorization = request.headers.authorization ?? '';
    if (authenticated.has(socket)) {
      response.end('hello, authenticated connection');
    } else if (authorization.startsWith('NTLM ') && typeOf(authorization) === 1) {
      challenged.add(socket);
      response.writeHead(401, { 'www-authenticate': `NTLM ${ntlm(2)}` }).end();
    } else if (authorization.startsWith('NTLM ') && typeOf(authorization) === 3 && challenged.has(socket)) {
      const state = { open: true };
      authenticated.set(socket, state);
      socket.once('close', () => (state.open = false));
      response.end('hello, authenticated connection');
    } else {
      response.writeHead(401, { 'www-authenticate': 'NTLM' }).end('authenticate');
    }
  };
}

/** One keep-alive request on `client`: the status and body. */
async function ask(client: RawClient, authorization?: string): Promise<{ status: number; body: string }> {
  client.send(`GET /secret HTTP/1.1\r\nHost: t\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`);
  const response = await client.readResponse();
  return { status: response.status, body: response.body.toString() };
}

for (const variant of VARIANTS) {
  const pins = variant.env.ATOM_ACCEPTOR === 'node';
  describe(`NTLM through the ${variant.name}`, { skip: variant.skip }, () => {
    it(
      pins
        ? 'pins the upstream connection to the client connection for the handshake and after, shares it with no one, and closes it with the client'
        : 'never lets an upstream connection that began a handshake serve anyone else (uWS knows no client connection to pin it to)',
      async () => {
        const authenticated = new Map<Socket, { open: boolean }>();
        const origin = await startOrigin(ntlmOrigin(authenticated));
        const proxy = await startProxy({ ...variant.env, ATOM_UPSTREAMS: origin.url, ATOM_ACCESS_LOG: 'off' });
        const alice = await RawClient.connect(proxy.port);
        const bob = await RawClient.connect(proxy.port);
        try {
          assert.equal((await ask(alice)).status, 401);
          const challenge = await ask(alice, `NTLM ${ntlm(1)}`);
          assert.equal(challenge.status, 401);
          const done = await ask(alice, `NTLM ${ntlm(3)}`);
          if (!pins) {
            // The challenge's connection was closed after it, so the third message met a fresh one.
            assert.equal(done.status, 401, 'no handshake completes without a pinned connection');
            assert.equal(authenticated.size, 0);
          } else {
            assert.deepEqual(done, { status: 200, body: 'hello, authenticated connection' });
            for (let i = 0; i < 3; i++) assert.equal((await ask(alice)).status, 200, 'the connection stays authenticated for its client');
            assert.equal((await proxy.pool()).upstreams[0]!.workers.reduce((sum, worker) => sum + worker.pinned, 0), 1, 'one pinned connection in the index');
          }
          // Nobody else ever rides the authenticated (or half-authenticated) connection.
          for (let i = 0; i < 5; i++) assert.equal((await ask(bob)).status, 401, 'another keep-alive client is not authenticated');
          for (let i = 0; i < 5; i++) assert.equal((await closeRequest(proxy.port, '/secret')).status, 401, 'a close client is not authenticated');
          if (pins) {
            alice.destroy();
            const [state] = [...authenticated.values()];
            await waitFor(() => !state!.open, 'the pinned upstream connection to close with its client', 3000);
          }
        } finally {
          alice.destroy();
          bob.destroy();
          await proxy.stop();
          await origin.close();
        }
      },
    );
  });
}
