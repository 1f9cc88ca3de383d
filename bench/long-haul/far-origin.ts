import { makeAuthority } from '../../test/helpers/certificates.js';
import { startDelayRelay, type DelayRelay } from '../../test/helpers/delay-relay.js';
import { startTlsOrigin, type TlsOrigin } from '../../test/helpers/tls-origin.js';
import { registerStop } from '../cleanup.js';
import type { Origin } from '../origin/origin.js';
import { served, type ServedCertificate } from '../targets/served-certificate.js';

/** The name the origin's certificate is for: every proxy sends it as SNI and verifies it. */
export const ORIGIN_NAME = 'origin.test';

/** The files a proxy needs: its own certificate for clients, and the CA that signed the origin's. */
export interface ProxyCertificates {
  /** The test CA's certificate (PEM file): what proxies verify the origin against. */
  caFile: string;
  /** The proxy's certificate for 127.0.0.1 and localhost, its key, and both in one file for HAProxy. */
  proxy: ServedCertificate;
}

/** The server farm half a world away: an HTTPS origin behind the delay relay, and the certificates around it. */
export interface FarOrigin {
  certificates: ProxyCertificates;
  origin: TlsOrigin;
  relay: DelayRelay;
  /** The bench's view of it (https://<relay>), so that the targets' config writers can point at it. */
  upstream: Origin;
  stop(): Promise<void>;
}

/** Certificates (P-256, from openssl, valid two days) are made now and removed by stop(): no key is ever kept. */
export async function startFarOrigin(delayMs: number): Promise<FarOrigin> {
  const authority = makeAuthority('atomproxy long-haul CA');
  const unregisterAuthority = registerStop(() => authority.remove());
  const proxy = served(authority.issue(['localhost', '127.0.0.1']));
  const origin = await startTlsOrigin(authority.issue([ORIGIN_NAME]));
  const relay = await startDelayRelay({ target: { host: '127.0.0.1', port: origin.port }, delayMs });
  const stop = async () => {
    unregister();
    await relay.close();
    await origin.close();
    unregisterAuthority();
    authority.remove();
  };
  const unregister = registerStop(stop);
  return {
    certificates: { caFile: authority.certFile, proxy },
    origin,
    relay,
    upstream: {
      kind: `node:https behind a ${delayMs} ms each way delay relay`,
      url: `https://${relay.host}:${relay.port}`,
      accepted: async () => origin.connections,
      stop,
    },
    stop,
  };
}
