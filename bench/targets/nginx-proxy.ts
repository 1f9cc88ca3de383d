import { nginxConfig } from '../nginx-config.js';
import { serverTarget } from './server-target.js';
import type { Target } from './target.js';

/** nginx as a reverse proxy, configured as ANCHOR-BENCH's conf/proxy-nginx.conf: 1 worker, 64 idle upstream connections kept. */
export function nginxTarget(nginx: string): Target {
  const http = (originHost: string, port: number) => `  upstream origin {
    server ${originHost};
    keepalive 64;
    keepalive_requests 1000000000;
    keepalive_timeout 65s;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    client_max_body_size 0; # no limit: the memory scenario uploads 64 MiB
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`;
  const config = (originHost: string, dir: string, port: number) => nginxConfig(dir, http(originHost, port));
  return serverTarget('nginx', nginx, config, (dir, path) => ['-p', dir, '-c', path]);
}
