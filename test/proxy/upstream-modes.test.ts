import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerAfter, shares, withFleet } from '../helpers/fleet.js';
import { VARIANTS } from '../helpers/matrix.js';
import { RawClient } from '../helpers/raw-client.js';

for (const variant of VARIANTS) {
  describe(`server-close mode, ATOM_UPSTREAM_KEEPALIVE=0 (${variant.name})`, { skip: variant.skip }, () => {
    it('opens one upstream connection per request, says Connection: close to it, and keeps the client connection', async () => {
      await withFleet([answerAfter(0)], { ...variant.env, ATOM_UPSTREAM_KEEPALIVE: '0' }, async ([origin], proxy) => {
        const client = await RawClient.connect(proxy.port);
        try {
          for (let i = 0; i < 5; i++) {
            client.send(`GET /sc${i} HTTP/1.1\r\nHost: t\r\n\r\n`);
            const response = await client.readResponse();
            assert.equal(response.status, 200);
            assert.notEqual(response.header('connection')?.toLowerCase(), 'close', 'the client connection stays open');
          }
          assert.equal(origin!.connections, 5, 'one upstream connection per request');
          assert.deepEqual(origin!.requests.map((request) => request.headers.connection), Array(5).fill('close'));
          const [view] = (await proxy.pool()).upstreams;
          assert.equal(view!.opened, 5);
          assert.equal(view!.reused, 0);
        } finally {
          client.destroy();
        }
      });
    });
  });
}

describe('ATOM_PREFER_LAST_UPSTREAM (node engine)', () => {
  /** Three keep-alive clients taking turns, four requests each: which origin each request reached. */
  async function turns(env: Record<string, string>): Promise<number[][]> {
    let seen: number[][] = [];
    await withFleet([answerAfter(0), answerAfter(0)], { ATOM_WORKERS: '1', ...env }, async (origins, proxy) => {
      const clients = [await RawClient.connect(proxy.port), await RawClient.connect(proxy.port), await RawClient.connect(proxy.port)];
      seen = [[], [], []];
      try {
        for (let round = 0; round < 4; round++) {
          for (const [at, client] of clients.entries()) {
            const before = shares(origins);
            client.send('GET /turn HTTP/1.1\r\nHost: t\r\n\r\n');
            assert.equal((await client.readResponse()).status, 200);
            seen[at]!.push(shares(origins).findIndex((count, origin) => count > before[origin]!));
          }
        }
      } finally {
        for (const client of clients) client.destroy();
      }
    });
    return seen;
  }

  it('keeps each client connection on the upstream it used first; without it, round robin moves it', async () => {
    const preferred = await turns({ ATOM_PREFER_LAST_UPSTREAM: '1' });
    for (const upstreams of preferred) assert.equal(new Set(upstreams).size, 1, `one upstream per client connection: ${JSON.stringify(preferred)}`);
    assert.equal(new Set(preferred.map((upstreams) => upstreams[0])).size, 2, 'their first atoms went round robin over both upstreams');
    // Three clients in turn over two upstreams: round robin alone moves every client from one to the other.
    const plain = await turns({});
    for (const upstreams of plain) assert.deepEqual(upstreams, [0, 1, 0, 1].map((step) => (step + upstreams[0]!) % 2), JSON.stringify(plain));
  });
});
