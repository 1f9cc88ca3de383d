import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startProxy, startProxyExpectingFailure } from '../helpers/proxy-process.js';

const TOKEN = 'test-token-0123456789abcdef';

describe('the admin listener is not a door', () => {
  it('refuses the kill drill unless ATOM_ADMIN_ALLOW_KILL=1, and every thread keeps running', async () => {
    const proxy = await startProxy({ ATOM_WORKERS: '2', ATOM_UPSTREAMS: 'http://127.0.0.1:9' });
    try {
      const response = await fetch(`${proxy.adminUrl}/__atomproxy/workers/0/kill`, { method: 'POST' });
      assert.equal(response.status, 403);
      assert.match(await response.text(), /ATOM_ADMIN_ALLOW_KILL=1/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(!proxy.logs.some((line) => /worker thread lost|killing a worker/.test(String(line.msg))), 'no thread was touched');
      assert.equal((await proxy.pool()).threads.length, 2);
    } finally {
      await proxy.stop();
    }
  });

  it('asks every admin request for the token when ATOM_ADMIN_TOKEN is set', async () => {
    const proxy = await startProxy({ ATOM_WORKERS: '1', ATOM_UPSTREAMS: 'http://127.0.0.1:9', ATOM_ADMIN_TOKEN: TOKEN, ATOM_ADMIN_ALLOW_KILL: '1' });
    try {
      const pool = `${proxy.adminUrl}/__atomproxy/pool`;
      const without = await fetch(pool);
      assert.equal(without.status, 401);
      assert.equal(without.headers.get('www-authenticate'), 'Bearer');
      assert.equal((await fetch(pool, { headers: { authorization: `Bearer ${TOKEN}x` } })).status, 401);
      assert.equal((await fetch(pool, { headers: { authorization: TOKEN } })).status, 401, 'the Bearer scheme is required');
      const kill = await fetch(`${proxy.adminUrl}/__atomproxy/workers/0/kill`, { method: 'POST' });
      assert.equal(kill.status, 401, 'the drill too');
      const withToken = await fetch(pool, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(withToken.status, 200);
      assert.equal(((await withToken.json()) as { workers: number }).workers, 1);
      assert.ok(!proxy.logs.some((line) => /killing a worker/.test(String(line.msg))));
      assert.ok(!JSON.stringify(proxy.logs).includes(TOKEN), 'the token is in no log line');
    } finally {
      await proxy.stop();
    }
  });

  it('will not listen off loopback without a token, and names the variables', async () => {
    const { code, stderr } = await startProxyExpectingFailure({ ATOM_ADMIN_HOST: '0.0.0.0' });
    assert.equal(code, 2);
    assert.match(stderr, /^atomproxy: ATOM_ADMIN_HOST=0\.0\.0\.0 needs ATOM_ADMIN_TOKEN/);
    const short = await startProxyExpectingFailure({ ATOM_ADMIN_TOKEN: 'secret' });
    assert.equal(short.code, 2);
    assert.equal(short.stderr, 'atomproxy: ATOM_ADMIN_TOKEN=(6 characters, not shown) is not allowed: expected at least 16 printable characters without spaces\n');
  });
});
