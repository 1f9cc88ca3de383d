import { ORIGIN_NAME } from './far-origin.js';
import { startTlsServer, type LongHaulTarget } from './long-haul-target.js';

/**
 * HAProxy terminating TLS and verifying the origin's certificate, as the forum operator ran it. With `http-reuse
 * safe` (its default) the first request of every client connection goes over an upstream connection of its own.
 */
export function haproxyTlsTarget(haproxy: string, reuse: 'safe' | 'always'): LongHaulTarget {
  const id = `haproxy-${reuse}`;
  return {
    id,
    name: `HAProxy, http-reuse ${reuse}${reuse === 'safe' ? ' (its default)' : ''}`,
    selectedBy: 'haproxy',
    start(far) {
      const { caFile, proxy } = far.certificates;
      const config = (originHost: string, _dir: string, port: number) => `global
    nbthread 1
defaults
    mode http
    http-reuse ${reuse}
    timeout connect 5s
    timeout client 65s
    timeout server 65s
frontend clients
    bind 127.0.0.1:${port} ssl crt ${proxy.pemFile}
    default_backend far
backend far
    server origin ${originHost} ssl verify required ca-file ${caFile} sni str(${ORIGIN_NAME})
`;
      return startTlsServer(id, haproxy, config, (_dir, path) => ['-db', '-f', path], far);
    },
  };
}
