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
      const running = await target.start(far.upstream, { ATOM_UPSTREAM_SNI: ORIGIN_NAME, ATOM_UPSTREAM_CA_FILE: caFile }, proxy);
      return { running, url: running.tlsUrl! };
    },
  };
}
