import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { UpstreamTlsConfig } from '../main/config.js';
import { hostOf } from './url-host.js';

/** How to open a TLS connection to an `https://` upstream: what the worker threads' connector and the health checks share. */
export interface UpstreamTlsOptions {
  /** The name the certificate must carry: ATOM_UPSTREAM_SNI, or the URL's host. */
  name: string;
  /** The SNI to send: `name`, unless it is an IP address (RFC 6066 allows no address there). */
  servername: string | undefined;
  rejectUnauthorized: boolean;
  ca?: string[];
  cert?: string;
  key?: string;
}

/** Reads the files ATOM_UPSTREAM_CA_FILE / _CERT_FILE / _KEY_FILE name (checked at start: config-files.ts). */
export function upstreamTlsOptions(origin: string, tls: UpstreamTlsConfig): UpstreamTlsOptions {
  const name = tls.servername ?? hostOf(origin);
  return {
    name,
    servername: isIP(name) ? undefined : name,
    rejectUnauthorized: tls.verify,
    // Node's default CAs stay trusted beside the extra one: `ca` replaces them when given alone.
    ...(tls.caFile ? { ca: [...rootCertificates, readFileSync(tls.caFile, 'utf8')] } : {}),
    ...(tls.certFile && tls.keyFile ? { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') } : {}),
  };
}
