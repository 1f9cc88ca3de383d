import { after, before } from 'node:test';
import { startOrigin, type TestOrigin } from './origin.js';
import { startProxy, type ProxyProcess } from './proxy-process.js';

/** One origin for a whole suite, and proxies started against it; all stopped when the suite ends. */
export interface OriginSuite {
  readonly origin: TestOrigin;
  /** Starts a proxy to the suite's origin with `baseEnv` and then `env`. */
  proxyWith(env?: Record<string, string>): Promise<ProxyProcess>;
}

/** Call inside a `describe`: registers the before/after hooks that start and stop everything. */
export function originSuite(baseEnv: Record<string, string>): OriginSuite {
  let origin: TestOrigin | undefined;
  const proxies: ProxyProcess[] = [];
  before(async () => {
    origin = await startOrigin();
  });
  after(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await origin?.close();
  });
  return {
    get origin() {
      return origin!;
    },
    async proxyWith(env = {}) {
      const proxy = await startProxy({ ...baseEnv, ATOM_UPSTREAMS: origin!.url, ...env });
      proxies.push(proxy);
      return proxy;
    },
  };
}
