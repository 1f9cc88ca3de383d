import { freePort } from '../../test/helpers/free-port.js';
import { atomproxyTarget } from '../targets/atomproxy.js';
import { ORIGIN_NAME } from './far-origin.js';
import type { LongHaulTarget } from './long-haul-target.js';

/** atomproxy, node engine: TLS on ATOM_TLS_PORT, an https:// upstream verified against the test CA, every other variable at its default. */
export function atomproxyTlsTarget(workers: number): LongHaulTarget {
  const target = atomproxyTarget('node', workers);
  return {
    id: target.id,
    name: target.name,
    selectedBy: target.id,
    async start(far) {
      const { caFile, proxy } = far.certificates;
      const tlsPort = await freePort();
      const running = await target.start(far.upstream, {
        ATOM_TLS_PORT: String(tlsPort),
        ATOM_TLS_CERT_FILE: proxy.certFile,
        ATOM_TLS_KEY_FILE: proxy.keyFile,
        ATOM_UPSTREAM_SNI: ORIGIN_NAME,
        ATOM_UPSTREAM_CA_FILE: caFile,
      });
      return { running, url: `https://127.0.0.1:${tlsPort}` };
    },
  };
}
