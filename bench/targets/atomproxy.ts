import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';
import { startProxy } from '../../test/helpers/proxy-process.js';
import { runningProxy } from './running-proxy.js';
import type { Target } from './target.js';

/**
 * atomproxy with one engine and worker count, every other ATOM_* variable at its default except the access log:
 * off, as nginx's and HAProxy's here, unless `accessLog` (then to a file in a temporary folder, removed at stop:
 * the `-log` targets, which show what the access log costs).
 */
export function atomproxyTarget(engine: 'node' | 'uws', workers: number, accessLog = false): Target {
  return {
    id: `${engine}/${workers}${accessLog ? '-log' : ''}`,
    name: `atomproxy ${engine}, ATOM_WORKERS=${workers}${accessLog ? ', access log to a file' : ''}`,
    answersHttp10: engine === 'node',
    terminatesTls: true,
    async start(origin, env = {}, tls) {
      const listener: Record<string, string> = tls ? { ATOM_TLS_PORT: String(await freePort()), ATOM_TLS_CERT_FILE: tls.certFile, ATOM_TLS_KEY_FILE: tls.keyFile } : {};
      const logDir = accessLog ? mkdtempSync(join(tmpdir(), 'atomproxy-bench-access-')) : null;
      const running = runningProxy(
        await startProxy({ ATOM_ACCESS_LOG: logDir ? join(logDir, 'access.log') : 'off', ...env, ...listener, ATOM_UPSTREAMS: origin.url, ATOM_ACCEPTOR: engine, ATOM_WORKERS: String(workers) }),
      );
      if (!logDir) return running;
      return { ...running, stop: () => running.stop().finally(() => rmSync(logDir, { recursive: true, force: true })) };
    },
  };
}
