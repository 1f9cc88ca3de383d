import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { lane, type Outcome } from '../helpers/load-lanes.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { closeRequest } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const NAME = 'api.test';
const answerOk = (request: IncomingMessage, response: ServerResponse) => {
  request.resume();
  setTimeout(() => response.end('ok'), 1);
};

/** Two origins on one port, at 127.0.0.2 and 127.0.0.3, a DNS server naming what the test says, and a proxy. */
async function withDnsFleet(
  env: Record<string, string>,
  body: (dns: TestDnsServer, origins: TestOrigin[], proxy: ProxyProcess, port: number) => Promise<void>,
  initial: string[],
): Promise<void> {
  const dns = await startDnsServer();
  const first = await startOrigin(answerOk, { host: '127.0.0.2' });
  const second = await startOrigin(answerOk, { host: '127.0.0.3', port: first.port });
  try {
    dns.set(NAME, initial);
    const proxy = await startProxy({
      ATOM_UPSTREAMS: `http://${NAME}:${first.port}`,
      ATOM_DNS_SERVERS: dns.address,
      ATOM_DNS_REFRESH_MS: '300',
      ATOM_UPSTREAM_SLOTS: '2',
      ATOM_ACCESS_LOG: 'off',
      ...env,
    });
    try {
      await body(dns, [first, second], proxy, first.port);
    } finally {
      await proxy.stop();
    }
  } finally {
    await Promise.all([first.close(), second.close(), dns.close()]);
  }
}

const logged = (proxy: ProxyProcess, msg: string, address: string) => proxy.logs.some((line) => line.msg === msg && line.address === address);

describe('DNS-discovered upstreams (ATOM_UPSTREAM_SLOTS, ATOM_DNS_SERVERS)', () => {
  it('adds and drains servers as the DNS answer changes under load, with no failed request', async (t) => {
    await withDnsFleet({ ATOM_WORKERS: '2' }, async (dns, [first, second], proxy, port) => {
      const servers = proxy.logs.find((line) => line.msg === 'upstream servers')!.servers as Array<{ server: string; origin: string | null }>;
      assert.deepEqual(servers.map((server) => [server.server, server.origin]), [
        [`http://${NAME}:${port}#1`, `http://127.0.0.2:${port}`],
        [`http://${NAME}:${port}#2`, null],
      ], 'the start-up log names every slot and its address');

      const outcomes: Outcome[] = [];
      let stopped = false;
      const lanes = [true, true, true, false, false].map((keepAlive) => lane(proxy.port, keepAlive, () => stopped, outcomes));
      const more = (count: number, what: string) => {
        const target = outcomes.length + count;
        return waitFor(() => outcomes.length >= target, what, 20_000);
      };
      try {
        await more(100, 'load on the first address');
        assert.equal(second!.requests.length, 0, 'only the address DNS names gets atoms');

        dns.set(NAME, ['127.0.0.2', '127.0.0.3']);
        await waitFor(() => logged(proxy, 'upstream server added', '127.0.0.3'), 'the second address to be added', 5000);
        await more(200, 'load over both addresses');
        assert.ok(second!.requests.length > 0, 'the new address takes atoms');

        dns.set(NAME, ['127.0.0.3']);
        await waitFor(() => logged(proxy, 'upstream server drained: slot free', '127.0.0.2'), 'the first address to drain', 5000);
        const firstServed = first!.requests.length;
        await more(200, 'load on the second address alone');
        assert.equal(first!.requests.length, firstServed, 'a drained address gets no atom');
        await waitFor(() => first!.open === 0, 'the connections to the drained address to close', 3000);

        // A failed answer keeps the last good one.
        dns.set(NAME, []);
        await waitFor(() => proxy.logs.some((line) => line.msg === 'DNS resolution failed: keeping the last answer'), 'an empty answer', 5000);
        await more(100, 'load after the empty answer');
        const view = (await proxy.pool()).upstreams;
        assert.deepEqual(view.map((server) => server.origin), [null, `http://127.0.0.3:${port}`], 'the admin view names each slot’s address');
      } finally {
        stopped = true;
        await Promise.all(lanes);
      }
      t.diagnostic(`${outcomes.length} requests: ${first!.requests.length} to 127.0.0.2, ${second!.requests.length} to 127.0.0.3`);
      assert.deepEqual(outcomes.filter((outcome) => outcome !== 'answered'), [], 'no request failed while servers came and went');
      assert.equal(first!.requests.length + second!.requests.length, outcomes.length, 'each request reached one origin once');
    }, ['127.0.0.2']);
  });

  it('answers 503 while a name has no address, and serves once DNS names one', async () => {
    await withDnsFleet({ ATOM_WORKERS: '1' }, async (dns, [first], proxy) => {
      const refused = await closeRequest(proxy.port, '/early');
      assert.equal(refused.status, 503);
      assert.equal(refused.header('retry-after'), '1');
      dns.set(NAME, ['127.0.0.2']);
      await waitFor(() => logged(proxy, 'upstream server added', '127.0.0.2'), 'the address to be added', 5000);
      assert.equal((await closeRequest(proxy.port, '/later')).status, 200);
      assert.equal(first!.requests.length, 1);
    }, []);
  });
});
