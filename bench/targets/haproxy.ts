import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';
import { processTree } from '../process-stats.js';
import { startServerProcess } from '../server-process.js';
import type { Target } from './target.js';

/** HAProxy as ANCHOR-BENCH's conf/haproxy.cfg: 1 thread, keep-alive both sides, http-reuse always, in the foreground. */
export function haproxyTarget(haproxy: string): Target {
  return {
    id: 'haproxy',
    name: 'haproxy',
    answersHttp10: true,
    async start(origin) {
      const dir = mkdtempSync(join(tmpdir(), 'atomproxy-bench-haproxy-'));
      const port = await freePort();
      writeFileSync(
        join(dir, 'haproxy.cfg'),
        `global
    nbthread 1
    maxconn 8192
defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 65s
    timeout server 65s
    timeout http-keep-alive 65s
    timeout http-request 10s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server origin1 ${new URL(origin.url).host}
`,
      );
      const server = await startServerProcess(haproxy, ['-db', '-f', join(dir, 'haproxy.cfg')], port, dir);
      return { url: `http://127.0.0.1:${port}`, pids: () => processTree(server.pid), stop: () => server.stop() };
    },
  };
}
