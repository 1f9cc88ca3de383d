import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { engineSkip, ENGINES, sharedPortSkip } from '../helpers/matrix.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, startProxyExpectingFailure, type ProxyProcess } from '../helpers/proxy-process.js';
import { closeRequest, RawClient, rawRequest } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

type Entry = Record<string, unknown>;

const accessLines = (proxy: ProxyProcess): Entry[] => proxy.logs.filter((line) => line.msg === 'access');

for (const engine of ENGINES) {
  describe(`the access log, ${engine} engine`, { skip: engineSkip(engine) }, () => {
    let origin: TestOrigin;
    let proxy: ProxyProcess;

    before(async () => {
      origin = await startOrigin((incoming, response) => {
        incoming.resume();
        incoming.on('end', () => response.end(incoming.url === '/big' ? 'x'.repeat(5000) : 'ok'));
      });
      proxy = await startProxy({ ATOM_ACCEPTOR: engine, ATOM_WORKERS: '1', ATOM_UPSTREAMS: origin.url });
    });

    after(async () => {
      await proxy.stop();
      await origin.close();
    });

    it('writes one line per atom: client, request, answer, bytes, and a reused upstream connection with 0 ms connect', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await closeRequest(proxy.port, `/a${i}`)).status, 200);
      const upload = await closeRequest(proxy.port, '/big', 'hello upstream');
      assert.equal(upload.status, 200);
      assert.equal(upload.body.length, 5000);
      await waitFor(() => accessLines(proxy).length >= 4, 'four access lines');
      const lines = accessLines(proxy);
      assert.deepEqual(lines.map((line) => line.path), ['/a0', '/a1', '/a2', '/big']);
      assert.equal(origin.connections, 1, 'the close clients shared one upstream connection');
      for (const [i, line] of lines.entries()) {
        // pino's line: its level, ISO time, pid and message.
        assert.equal(line.level, 30);
        assert.equal(line.msg, 'access');
        assert.equal(line.pid, proxy.pid);
        assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.equal(line.status, 200);
        assert.equal(line.method, i < 3 ? 'GET' : 'POST');
        assert.match(String(line.client), engine === 'node' ? /^127\.0\.0\.1:\d+$/ : /^127\.0\.0\.1$/);
        assert.equal(line.upstream, origin.url);
        assert.equal(line.thread, 0);
        assert.equal(line.worker, 0);
        assert.equal(line.replays, 0);
        assert.equal(line.termination, 'completed');
        assert.equal(line.connectionRequests, i + 1);
        for (const field of ['queuedMs', 'firstByteMs', 'totalMs', 'connectionAgeMs']) assert.equal(typeof line[field], 'number', field);
      }
      assert.equal(lines[0]!.reused, false);
      assert.ok((lines[0]!.connectMs as number) >= 0);
      for (const line of lines.slice(1)) {
        assert.equal(line.reused, true);
        assert.equal(line.connectMs, 0);
      }
      assert.equal(lines[3]!.requestBytes, Buffer.byteLength('hello upstream'));
      assert.equal(lines[3]!.responseBytes, 5000);
    });

    it('escapes what JSON must in a line: a target with a backslash and quotes', async () => {
      const target = '/a\\b?q="x"';
      assert.equal((await closeRequest(proxy.port, target)).status, 200);
      assert.equal(origin.requests.at(-1)!.url, target, 'the origin got the target as sent');
      await waitFor(() => accessLines(proxy).some((line) => line.path === target), 'the line of that target');
    });

    it('logs UTF-8 bytes in a target as the characters sent (uWS forwards them; node:http refuses them)', async () => {
      const target = Buffer.from('/caf\u00e9');
      const before = accessLines(proxy).length;
      const answer = await rawRequest(proxy.port, Buffer.concat([Buffer.from('GET '), target, Buffer.from(' HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')]));
      if (engine === 'node') {
        assert.equal(answer.status, 400);
        await new Promise((resolve) => setTimeout(resolve, 1200)); // a line would be out after the 1 s flush
        assert.equal(accessLines(proxy).length, before, 'no atom, no access line');
        return;
      }
      await waitFor(() => accessLines(proxy).length > before, 'the access line');
      const line = accessLines(proxy).at(-1)!;
      assert.equal(line.path, '/caf\u00e9');
      assert.equal(line.status, answer.status, "the status the origin's parser gave");
    });

    it('says why an atom ended early: a client that left, or an answer the proxy gave itself', async () => {
      const before = accessLines(proxy).length;
      const held = await startOrigin(() => {}); // never answers
      const second = await startProxy({ ATOM_ACCEPTOR: engine, ATOM_WORKERS: '1', ATOM_UPSTREAMS: held.url });
      try {
        const call = request({ host: '127.0.0.1', port: second.port, path: '/slow', agent: false });
        call.on('error', () => {});
        call.end();
        await waitFor(() => held.connections === 1, 'the request to reach the silent origin');
        call.destroy();
        await waitFor(() => accessLines(second).some((line) => line.path === '/slow'), 'the line of the atom the client left');
        const left = accessLines(second).find((line) => line.path === '/slow')!;
        assert.equal(left.status, 499);
        assert.match(String(left.termination), /client closed the connection/);
      } finally {
        await second.stop();
        await held.close();
      }
      assert.equal(accessLines(proxy).length, before, 'the first proxy logged nothing meanwhile');
    });
  });
}

describe('where the access log goes', () => {
  let origin: TestOrigin;
  let dir: string;

  before(async () => {
    origin = await startOrigin();
    dir = mkdtempSync(join(tmpdir(), 'atomproxy-access-'));
  });

  after(async () => {
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes to a file with ATOM_ACCESS_LOG=<path>, every line there by the time the proxy stopped', async () => {
    const file = join(dir, 'access.log');
    const proxy = await startProxy({ ATOM_WORKERS: '1', ATOM_UPSTREAMS: origin.url, ATOM_ACCESS_LOG: file });
    for (let i = 0; i < 20; i++) assert.equal((await closeRequest(proxy.port, `/f${i}`)).status, 200);
    await proxy.stop();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Entry);
    assert.deepEqual(lines.map((line) => line.path), Array.from({ length: 20 }, (_, i) => `/f${i}`));
    assert.equal(accessLines(proxy).length, 0, 'nothing on stdout');
  });

  it('writes a line longer than one write (4 KiB to a pipe) whole', async () => {
    const proxy = await startProxy({ ATOM_WORKERS: '1', ATOM_UPSTREAMS: origin.url });
    try {
      const long = `/long?${'x'.repeat(6000)}`;
      for (const path of ['/before', long, '/after']) assert.equal((await closeRequest(proxy.port, path)).status, 200);
      await waitFor(() => accessLines(proxy).length >= 3, 'three access lines');
      assert.deepEqual(accessLines(proxy).map((line) => line.path), ['/before', long, '/after']);
      assert.equal(origin.requests.at(-2)?.url, long, 'the origin got the long path');
    } finally {
      await proxy.stop();
    }
  });

  it('writes nothing with ATOM_ACCESS_LOG=off', async () => {
    const proxy = await startProxy({ ATOM_WORKERS: '1', ATOM_UPSTREAMS: origin.url, ATOM_ACCESS_LOG: 'off' });
    try {
      assert.equal((await closeRequest(proxy.port, '/quiet')).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(accessLines(proxy).length, 0);
    } finally {
      await proxy.stop();
    }
  });

  it('stops the start naming the variable when the file cannot be opened', async () => {
    const { code, stderr } = await startProxyExpectingFailure({ ATOM_ACCESS_LOG: join(dir, 'missing-folder', 'access.log') });
    assert.equal(code, 2);
    assert.match(stderr, /^atomproxy: ATOM_ACCESS_LOG: cannot open .*missing-folder\/access\.log for appending: ENOENT\n$/);
  });
});

for (const engine of ENGINES) {
  describe(`stdout shared by the threads, ${engine} engine`, { skip: sharedPortSkip(engine) }, () => {
    let origin: TestOrigin;

    before(async () => {
      origin = await startOrigin();
    });

    after(async () => {
      await origin.close();
    });

    it('writes whole lines to one stdout pipe from two threads, one per atom', async () => {
      const proxy = await startProxy({ ATOM_ACCEPTOR: engine, ATOM_WORKERS: '2', ATOM_UPSTREAMS: origin.url });
      try {
        // Enough lines that each thread fills several 4 KiB writes while the other writes too; with 32 connections
        // spread by the kernel, both threads accept some (all on one: a chance of 2^-31).
        const [clients, perClient] = [32, 15];
        await Promise.all(
          Array.from({ length: clients }, async (_, c) => {
            const client = await RawClient.connect(proxy.port);
            for (let r = 0; r < perClient; r++) {
              client.send(`GET /c${c}/r${r}?${'q'.repeat(200)} HTTP/1.1\r\nHost: t\r\n\r\n`);
              assert.equal((await client.readResponse()).status, 200);
            }
            client.destroy();
          }),
        );
        await waitFor(() => accessLines(proxy).length >= clients * perClient, 'a line per request');
        assert.deepEqual(proxy.logs.filter((line) => 'printed' in line), [], 'every stdout line is whole JSON');
        const paths = accessLines(proxy).map((line) => String(line.path).split('?')[0]);
        assert.equal(paths.length, clients * perClient);
        assert.equal(new Set(paths).size, clients * perClient, 'no line twice');
        const threads = accessLines(proxy).map((line) => line.thread);
        const byThread = [0, 1].map((thread) => threads.filter((t) => t === thread).length);
        console.log(`# lines by thread: ${byThread.join(', ')}`);
        assert.ok(byThread.every((lines) => lines > 0), 'both threads wrote lines');
      } finally {
        await proxy.stop();
      }
    });
  });
}
