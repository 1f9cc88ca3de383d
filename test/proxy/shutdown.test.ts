import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { startOrigin } from '../helpers/origin.js';
import { startProxy } from '../helpers/proxy-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { VARIANTS } from '../helpers/matrix.js';
import { waitFor } from '../helpers/wait.js';
import { countBody, streamRequest } from '../helpers/stream-client.js';

for (const variant of VARIANTS) {
  describe(`graceful stop through the ${variant.name}`, () => {
    it('finishes the request in flight on SIGTERM, then exits 0 with a balanced pool', async () => {
      const held: ServerResponse[] = [];
      const origin = await startOrigin((request, response) => {
        request.resume();
        held.push(response);
      });
      const proxy = await startProxy({ ...variant.env, ATOM_UPSTREAMS: origin.url });
      const idle = await RawClient.connect(proxy.port); // an idle keep-alive client must not hold the stop up
      const client = await RawClient.connect(proxy.port);
      client.send('GET /slow HTTP/1.1\r\nHost: t\r\n\r\n');
      await waitFor(() => held.length === 1, 'the request to reach the origin');
      const stopped = proxy.stop(); // checks exit code 0 and the pool counters
      setTimeout(() => held[0]!.end('finished while stopping'), 200);
      assert.equal((await client.readResponse()).body.toString(), 'finished while stopping');
      await stopped;
      assert.equal(await idle.closesWithin(1000), true);
      client.destroy();
      await origin.close();
    });

    it('lets a slow client read the whole of a response its atom already finished', async () => {
      const size = 5 * 1024 * 1024;
      const origin = await startOrigin((request, response) => {
        request.resume();
        response.writeHead(200, { 'content-length': size });
        response.end(Buffer.alloc(size, 'x'));
      });
      const proxy = await startProxy({ ...variant.env, ATOM_UPSTREAMS: origin.url });
      const response = await streamRequest(`${proxy.url}/big`, {});
      response.pause(); // reads nothing while the proxy is asked to stop
      const stopped = proxy.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      response.resume();
      assert.equal(await countBody(response), size);
      await stopped;
      await origin.close();
    });
  });
}
