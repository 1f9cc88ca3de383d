import { nginxConfig } from '../nginx-config.js';
import type { TlsListener } from './served-certificate.js';
import { serverTarget } from './server-target.js';
import type { Target } from './target.js';

/**
 * The TLS modes' listener. ssl_protocols is nginx 1.23.4's default: 1.22 (Debian 12) leaves TLS 1.3 out and would
 * be measured on TLS 1.2 while the others speak 1.3. The rest at its defaults: ssl_session_cache none (no
 * server-side cache), ssl_session_tickets on (clients that keep the ticket resume).
 */
const tlsListen = (tls: TlsListener | null) =>
  tls
    ? `
    listen 127.0.0.1:${tls.port} ssl backlog=4096;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate ${tls.certificate.certFile};
    ssl_certificate_key ${tls.certificate.keyFile};`
    : '';

/** nginx as a reverse proxy, configured as ANCHOR-BENCH's conf/proxy-nginx.conf: 1 worker, 64 idle upstream connections kept. */
export function nginxTarget(nginx: string): Target {
  const http = (originHost: string, port: number, tls: TlsListener | null) => `  upstream origin {
    server ${originHost};
    keepalive 64;
    keepalive_requests 1000000000;
    keepalive_timeout 65s;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;${tlsListen(tls)}
    client_max_body_size 0; # no limit: the memory scenario uploads 64 MiB
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`;
  const config = (originHost: string, dir: string, port: number, tls: TlsListener | null) => nginxConfig(dir, http(originHost, port, tls));
  return serverTarget('nginx', nginx, config, (dir, path) => ['-p', dir, '-c', path]);
}
