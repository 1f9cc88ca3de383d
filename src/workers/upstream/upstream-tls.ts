import type { buildConnector as BuildConnector } from 'undici';
import type { UpstreamTlsConfig } from '../../main/config.js';
import { upstreamTlsOptions } from '../../shared/upstream-tls-options.js';
import { buildConnector, type Client } from './undici-client.js';

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
  const { name, servername, ...options } = upstreamTlsOptions(origin, tls);
  const connector = buildConnector({ timeout, ...options });
  return {
    connect: (connectOptions, callback) => connector({ ...connectOptions, servername }, callback),
    servername: name,
  };
}

/**
 * Gives a new Client of an `https://` upstream the upstream's server name before it connects. undici keeps the
 * name its connection was opened for in an internal field that only a request sets: a connection the warm pool
 * opened before any request would have none, and undici would close it at its first request ("servername
 * changed"). Found by the symbol's description, as preconnect.ts finds [kConnect]; a test covers the warm case.
 */
export function presetServerName(client: Client, servername: string): void {
  const field = Object.getOwnPropertySymbols(client).find((symbol) => symbol.description === 'server name');
  if (!field) throw new Error('this undici version has no Client [kServerName]: warm https:// connections would be dropped at their first request');
  (client as unknown as Record<symbol, unknown>)[field] = servername;
}
