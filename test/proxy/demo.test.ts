import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startProxy } from '../helpers/proxy-process.js';
import { rawRequest } from '../helpers/raw-client.js';

describe('npm start with no ATOM_UPSTREAMS', () => {
  it('proxies to the built-in demo origin and says how to point it at real servers', async () => {
    const proxy = await startProxy({});
    try {
      const response = await rawRequest(proxy.port, 'GET /hello HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal(response.status, 200);
      assert.match(response.body.toString(), /demo origin/);
      assert.match(response.body.toString(), /You sent GET \/hello/);
      assert.equal(response.header('via'), '1.1 atomproxy');
      assert.ok(proxy.logs.some((line) => /ATOM_UPSTREAMS/.test(String(line.msg)) && typeof line.demo === 'string'));
    } finally {
      await proxy.stop();
    }
  });
});
