import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';
import { nginxConfig } from '../nginx-config.js';
import { MAX_UPLOAD_BYTES } from '../origin/payloads.js';
import { processTree } from '../process-stats.js';
import { startServerProcess } from '../server-process.js';
import type { Target } from './target.js';

/** nginx as a reverse proxy, configured as ANCHOR-BENCH's conf/proxy-nginx.conf: 1 worker, 64 idle upstream connections kept. */
export function nginxTarget(nginx: string): Target {
  return {
    id: 'nginx',
    name: 'nginx',
    answersHttp10: true,
    async start(origin) {
      const dir = mkdtempSync(join(tmpdir(), 'atomproxy-bench-nginx-'));
      const port = await freePort();
      const http = `  upstream origin {
    server ${new URL(origin.url).host};
    keepalive 64;
    keepalive_requests 1000000000;
    keepalive_timeout 65s;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    client_max_body_size ${MAX_UPLOAD_BYTES};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`;
      writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, http));
      const server = await startServerProcess(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf')], port, dir);
      return { url: `http://127.0.0.1:${port}`, pids: () => processTree(server.pid), stop: () => server.stop() };
    },
  };
}
