import { nginxConfig } from '../nginx-config.js';
import { ORIGIN_NAME } from './far-origin.js';
import { startTlsServer, type LongHaulTarget } from './long-haul-target.js';

/** nginx terminating TLS, keeping up to 16 idle TLS connections to the origin and resuming its sessions. */
export function nginxTlsTarget(nginx: string): LongHaulTarget {
  return {
    id: 'nginx',
    name: 'nginx, upstream keepalive 16, proxy_ssl_session_reuse on',
    selectedBy: 'nginx',
    start(far) {
      const { caFile, proxy } = far.certificates;
      const http = (originHost: string, port: number) => `  upstream far {
    server ${originHost};
    keepalive 16;
    keepalive_timeout 65s;
  }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${proxy.certFile};
    ssl_certificate_key ${proxy.keyFile};
    location / {
      proxy_pass https://far;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_server_name on;
      proxy_ssl_name ${ORIGIN_NAME};
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${caFile};
      proxy_ssl_session_reuse on;
    }
  }`;
      const config = (originHost: string, dir: string, port: number) => nginxConfig(dir, http(originHost, port));
      return startTlsServer('nginx', nginx, config, (dir, path) => ['-p', dir, '-c', path], far);
    },
  };
}
