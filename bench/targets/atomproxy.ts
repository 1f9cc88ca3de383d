import { freePort } from '../../test/helpers/free-port.js';
import { startProxy } from '../../test/helpers/proxy-process.js';
import { runningProxy } from './running-proxy.js';
import type { Target } from './target.js';

/** atomproxy with one engine and worker count, every other ATOM_* variable at its default. */
export function atomproxyTarget(engine: 'node' | 'uws', workers: number): Target {
  return {
    id: `${engine}/${workers}`,
    name: `atomproxy ${engine}, ATOM_WORKERS=${workers}`,
    answersHttp10: engine === 'node',
    terminatesTls: true,
    async start(origin, env = {}, tls) {
      const listener: Record<string, string> = tls ? { ATOM_TLS_PORT: String(await freePort()), ATOM_TLS_CERT_FILE: tls.certFile, ATOM_TLS_KEY_FILE: tls.keyFile } : {};
      return runningProxy(await startProxy({ ...env, ...listener, ATOM_UPSTREAMS: origin.url, ATOM_ACCEPTOR: engine, ATOM_WORKERS: String(workers) }));
    },
  };
}
