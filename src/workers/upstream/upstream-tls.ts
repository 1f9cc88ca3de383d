import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { buildConnector as BuildConnector } from 'undici';
import type { UpstreamTlsConfig } from '../../main/config.js';
import { buildConnector } from './undici-client.js';

/** How the Clients of one upstream in this thread reach it. */
export interface UpstreamTransport {
  connect: BuildConnector.connector | { timeout: number };
  /**
   * Given with every request to an `https://` upstream. undici otherwise takes each request's Host header as
   * the TLS server name, and closes a pooled connection whenever the next request names another host: a
   * connection would be private to one client host name. One name per upstream keeps every connection shared.
   */
  servername: string | undefined;
}

/**
 * `https://` upstreams: one connector shared by every Client of the upstream in this thread, so they share one
 * TLS session cache and a connection opened after the first resumes its session instead of a full handshake.
 * The certificate is verified against ATOM_UPSTREAM_SNI or the URL's host; no SNI is sent for an IP address.
 */
export function upstreamTransport(origin: string, tls: UpstreamTlsConfig, timeout: number): UpstreamTransport {
  if (!origin.startsWith('https:')) return { connect: { timeout }, servername: undefined };
  const name = tls.servername ?? new URL(origin).hostname.replace(/^\[|\]$/g, '');
  // Node's default CAs stay trusted beside the extra one: `ca` replaces them when given alone.
  const ca = tls.caFile ? [...rootCertificates, readFileSync(tls.caFile, 'utf8')] : undefined;
  const connector = buildConnector({
    timeout,
    rejectUnauthorized: tls.verify,
    ...(ca ? { ca } : {}),
    ...(tls.certFile && tls.keyFile ? { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') } : {}),
  });
  const sni = isIP(name) ? undefined : name;
  return {
    connect: (options, callback) => connector({ ...options, servername: sni }, callback),
    servername: name,
  };
}
