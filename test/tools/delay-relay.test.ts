import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, it, type TestContext } from 'node:test';
import { closeAll } from '../helpers/close-all.js';
import { startDelayRelay, type DelayRelay, type DelayRelayOptions } from '../helpers/delay-relay.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait.js';

/** A TCP server on 127.0.0.1 that hands every connection to `onConnection`; stopped (all sockets cut) after the test. */
async function startTarget(t: TestContext, onConnection: (socket: Socket) => void, pauseOnConnect = false): Promise<{ host: string; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true, pauseOnConnect }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // resets are what some tests send
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => closeAll(server, sockets));
  return { host: '127.0.0.1', port: (server.address() as { port: number }).port, sockets };
}

async function startRelay(t: TestContext, options: DelayRelayOptions): Promise<DelayRelay> {
  const relay = await startDelayRelay(options);
  t.after(() => relay.close());
  return relay;
}

/** A client connection to the relay, destroyed after the test. */
function dial(t: TestContext, relay: DelayRelay): Socket {
  const socket = connect({ port: relay.port, host: relay.host, allowHalfOpen: true });
  t.after(() => void socket.destroy());
  return socket;
}

/** Everything `socket` receives; `until(n)` resolves once n bytes have arrived, `ended` at its FIN. */
function receive(socket: Socket): { bytes(): Buffer; until(length: number): Promise<void>; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  let length = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
  });
  return {
    bytes: () => Buffer.concat(chunks),
    until: (wanted) => waitFor(() => length >= wanted, `${wanted} bytes`, 15_000),
    ended: new Promise((resolve) => socket.once('end', resolve)),
  };
}

const echo = (socket: Socket) => void socket.pipe(socket);

describe('the delay relay (a WAN emulator for tests and the long-haul bench)', { timeout: 60_000 }, () => {
  it('costs two delays per round trip, and four for the first one on a new connection (its emulated TCP handshake)', async (t) => {
    const relay = await startRelay(t, { target: await startTarget(t, echo), delayMs: 50 });
    const dialled = performance.now();
    const client = dial(t, relay);
    const received = receive(client);
    client.write('ping');
    await received.until(4);
    const first = performance.now() - dialled;
    const sent = performance.now();
    client.write('pong');
    await received.until(8);
    const second = performance.now() - sent;
    t.diagnostic(`first round trip ${first.toFixed(1)} ms, second ${second.toFixed(1)} ms`);
    assert.equal(received.bytes().toString(), 'pingpong');
    assert.ok(first >= 200, `first round trip took ${first} ms`);
    assert.ok(second >= 100, `second round trip took ${second} ms`);
  });

  it('carries 16 MiB each way intact and in order', async (t) => {
    const relay = await startRelay(t, { target: await startTarget(t, echo), delayMs: 20 });
    const payload = randomBytes(16 * 2 ** 20);
    const client = dial(t, relay);
    const received = receive(client);
    client.end(payload);
    await received.ended;
    assert.ok(received.bytes().equals(payload), `got ${received.bytes().length} bytes back, not the ${payload.length} sent`);
  });

  it('stops reading a sender whose receiver does not read, holding no more than its limit, and delivers everything later', async (t) => {
    const maxHeldBytes = 256 * 1024;
    let stalled: Socket | undefined;
    const target = await startTarget(t, (socket) => (stalled = socket), true);
    const relay = await startRelay(t, { target, delayMs: 5, maxHeldBytes });
    const payload = randomBytes(32 * 2 ** 20);
    const client = dial(t, relay);
    // Written as a well-behaved sender does, a chunk at a time until the socket says stop: `accepted` is what got out.
    let accepted = 0;
    const writeMore = () => {
      let room = true;
      while (room && accepted < payload.length) {
        const chunk = payload.subarray(accepted, accepted + 64 * 1024);
        accepted += chunk.length;
        room = client.write(chunk);
      }
    };
    client.on('drain', writeMore);
    writeMore();
    await waitFor(() => relay.heldBytes >= maxHeldBytes, 'the relay to fill up to its limit', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.diagnostic(`the relay holds ${relay.heldBytes} bytes; the client got ${accepted} of ${payload.length} bytes out`);
    // One read chunk (64 KiB) may come in after the limit is reached, before the sender is paused.
    assert.ok(relay.heldBytes <= maxHeldBytes + 64 * 1024, `the relay holds ${relay.heldBytes} bytes`);
    assert.ok(accepted < payload.length, 'the client was never held back');
    const received = receive(stalled!);
    stalled!.resume();
    await received.until(payload.length);
    assert.ok(received.bytes().equals(payload), 'the bytes arrived changed or out of order');
    await waitFor(() => relay.heldBytes === 0, 'the relay to hold nothing');
  });

  it('passes a half-close through: the target reads to its FIN, then answers and closes', async (t) => {
    const target = await startTarget(t, (socket) => {
      const question = receive(socket);
      void question.ended.then(() => socket.end(`answer to ${question.bytes()}`));
    });
    const relay = await startRelay(t, { target, delayMs: 20 });
    const client = dial(t, relay);
    const received = receive(client);
    client.end('question');
    await received.ended;
    assert.equal(received.bytes().toString(), 'answer to question');
    await waitFor(() => relay.open === 0, 'the relay to close both sides');
  });

  it('passes a reset through in each direction', async (t) => {
    const seen: string[] = [];
    const target = await startTarget(t, (socket) => {
      socket.once('error', (error: NodeJS.ErrnoException) => seen.push(error.code ?? error.message));
      socket.once('data', (data) => {
        seen.push(data.toString());
        if (data.toString() === 'reset me') socket.resetAndDestroy();
      });
    });
    const relay = await startRelay(t, { target, delayMs: 10 });
    const resetByTarget = dial(t, relay);
    resetByTarget.write('reset me');
    const [error] = (await once(resetByTarget, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNRESET');

    const resetting = dial(t, relay);
    resetting.write('hello');
    // A reset that lands together with unread data reads as a plain end on Linux: let the target read first.
    await waitFor(() => seen.includes('hello'), 'the target to read hello');
    resetting.resetAndDestroy();
    await waitFor(() => seen.includes('ECONNRESET'), 'the target to see the reset');
  });

  it('resets the client of a target that refuses, one round trip after the emulated SYN', async (t) => {
    const relay = await startRelay(t, { target: { host: '127.0.0.1', port: await freePort() }, delayMs: 30 });
    const dialled = performance.now();
    const client = dial(t, relay);
    const [error] = (await once(client, 'error')) as [NodeJS.ErrnoException];
    const elapsed = performance.now() - dialled;
    assert.equal(error.code, 'ECONNRESET');
    assert.ok(elapsed >= 60, `reset after ${elapsed} ms`);
  });

  it('close() ends every connection on both sides and stops listening', async (t) => {
    const target = await startTarget(t, echo);
    const relay = await startDelayRelay({ target, delayMs: 20 });
    const clients = [dial(t, relay), dial(t, relay), dial(t, relay)];
    const received = clients.map(receive);
    clients[0]!.write('in flight');
    clients[1]!.write('answered');
    await waitFor(() => target.sockets.size === 3, 'three connections at the target');
    await received[1]!.until(8);
    await relay.close();
    await Promise.all(received.map(({ ended }) => ended));
    await waitFor(() => target.sockets.size === 0, 'the target side to close');
    assert.equal(relay.open, 0);
    assert.equal(relay.heldBytes, 0);
    const refused = connect(relay.port, relay.host);
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
  });
});
