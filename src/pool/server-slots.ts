import { isIP } from 'node:net';
import { hostOf } from '../shared/url-host.js';

/**
 * One server of an upstream: one entry of the pool index. An upstream given by an IP address (or `localhost`,
 * which RFC 6761 keeps on loopback) is one server at a fixed address. An upstream given by a host name is
 * ATOM_UPSTREAM_SLOTS servers whose addresses DNS fills in and takes away (src/main/server-discovery.ts), as
 * HAProxy's `server-template`.
 */
export interface ServerSlot {
  /** How logs, metrics and the admin view name it: the upstream's URL, with `#N` for the Nth slot of a host name. */
  key: string;
  /** The upstream as configured (ATOM_UPSTREAMS): its host is the name verified over TLS and resolved by DNS. */
  upstream: string;
  /** Its address as an origin (`http://10.0.0.5:8080`), fixed for an address; null for a slot DNS fills. */
  fixedOrigin: string | null;
  weight: number;
}

/** Whether DNS decides where `upstream` (an origin URL) is. */
export function isDiscovered(upstream: string): boolean {
  const host = hostOf(upstream);
  return isIP(host) === 0 && host !== 'localhost';
}

/** The servers of every upstream, in the order of ATOM_UPSTREAMS. */
export function serverSlots(upstreams: readonly string[], weights: readonly number[], slotsPerName: number): ServerSlot[] {
  return upstreams.flatMap((upstream, at): ServerSlot[] => {
    const weight = weights[at]!;
    if (!isDiscovered(upstream)) return [{ key: upstream, upstream, fixedOrigin: upstream, weight }];
    return Array.from({ length: slotsPerName }, (_, slot) => ({ key: `${upstream}#${slot + 1}`, upstream, fixedOrigin: null, weight }));
  });
}

/** The origin a connection to `address` (IPv4 or IPv6) of `upstream` uses: its scheme and port, that address. */
export function originAt(upstream: string, address: string): string {
  const url = new URL(upstream);
  url.hostname = isIP(address) === 6 ? `[${address}]` : address;
  return url.origin;
}
