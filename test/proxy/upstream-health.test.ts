import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { rawRequest } from '../helpers/raw-client.js';
import { VARIANTS } from '../helpers/matrix.js';
import { waitFor } from '../helpers/wait.js';

async function statuses(proxy: ProxyProcess, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: t\r\n\r\n')).status);
  return seen;
}

const count = (values: number[], value: number) => values.filter((v) => v === value).length;

for (const variant of VARIANTS) {
  describe(`passive upstream health through the ${variant.name}`, { skip: variant.skip }, () => {
    let live: TestOrigin;
    let dead: string;
    const proxies: ProxyProcess[] = [];
    const proxyWith = async (env: Record<string, string>) => {
      const proxy = await startProxy({ ...variant.env, ATOM_UPSTREAMS: `${dead},${live.url}`, ...env });
      proxies.push(proxy);
      return proxy;
    };

    before(async () => {
      live = await startOrigin();
      dead = `http://127.0.0.1:${await freePort()}`;
    });
    after(async () => {
      await Promise.all(proxies.map((proxy) => proxy.stop()));
      await live.close();
    });

    const retriesOnto = (proxy: ProxyProcess, to: string) =>
      proxy.logs.filter((line) => line.msg === 'atom sent again' && line.reason === 'connect' && line.from === dead && line.to === to).length;

    it('sends the atom a refused connection failed onto the other upstream, and takes the dead one out of rotation', async () => {
      const proxy = await proxyWith({ ATOM_UPSTREAM_MAX_FAILS: '1', ATOM_UPSTREAM_FAIL_TIMEOUT_MS: '60000' });
      const seen = await statuses(proxy, 20);
      assert.equal(count(seen, 200), 20, `statuses: ${seen.join(' ')}`);
      await waitFor(() => proxy.logs.some((line) => line.msg === 'upstream marked down' && line.upstream === dead), 'the log line');
      await waitFor(() => retriesOnto(proxy, live.url) === 1, 'one resend: only the first atom met the dead upstream');
      const [deadView] = (await proxy.pool()).upstreams;
      assert.equal(deadView!.replays, 1);
      assert.equal(deadView!.down, true);
    });

    it('tries it again after ATOM_UPSTREAM_FAIL_TIMEOUT_MS', async () => {
      const proxy = await proxyWith({ ATOM_UPSTREAM_MAX_FAILS: '1', ATOM_UPSTREAM_FAIL_TIMEOUT_MS: '300' });
      assert.equal(count(await statuses(proxy, 6), 200), 6);
      await waitFor(() => retriesOnto(proxy, live.url) === 1, 'one resend');
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(count(await statuses(proxy, 6), 200), 6);
      await waitFor(() => retriesOnto(proxy, live.url) === 2, 'one more try once the fail timeout is over');
    });

    it('keeps every upstream in rotation with ATOM_UPSTREAM_MAX_FAILS=0', async () => {
      const proxy = await proxyWith({ ATOM_UPSTREAM_MAX_FAILS: '0' });
      assert.equal(count(await statuses(proxy, 10), 200), 10);
      await waitFor(() => retriesOnto(proxy, live.url) === 5, 'round robin to keep sending half to the dead upstream first');
    });

    it('answers 502 for a refused connection when ATOM_UPSTREAM_RETRIES=0', async () => {
      const proxy = await proxyWith({ ATOM_UPSTREAM_MAX_FAILS: '0', ATOM_UPSTREAM_RETRIES: '0' });
      assert.equal(count(await statuses(proxy, 10), 502), 5);
      await waitFor(() => proxy.logs.filter((line) => line.msg === 'atom failed').length === 5, 'the five 502 log lines');
      assert.equal(retriesOnto(proxy, live.url), 0);
    });
  });
}
