import type { TlsListener } from './served-certificate.js';
import { serverTarget } from './server-target.js';
import type { Target } from './target.js';

/** The TLS modes' listener, at HAProxy 2.6's defaults: a 20,000-session cache (tune.ssl.cachesize) and tickets on. */
const tlsBind = (tls: TlsListener | null) => (tls ? `\n    bind 127.0.0.1:${tls.port} ssl crt ${tls.certificate.pemFile}` : '');

/** HAProxy as ANCHOR-BENCH's conf/haproxy.cfg: 1 thread, keep-alive both sides, http-reuse always, in the foreground. */
export function haproxyTarget(haproxy: string): Target {
  const config = (originHost: string, _dir: string, port: number, tls: TlsListener | null) => `global
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
    bind 127.0.0.1:${port}${tlsBind(tls)}
    default_backend be
backend be
    server origin1 ${originHost}
`;
  return serverTarget('haproxy', haproxy, config, (_dir, path) => ['-db', '-f', path]);
}
