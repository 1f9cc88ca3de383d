import { connectionTokens, isHopByHop } from '../../atom/hop-by-hop.js';
import type { AtomRequest } from './client-side.js';

/** What the acceptor learns from a client's header block while cleaning it for the upstream. */
export interface CleanedRequest {
  /** Flat list to send upstream: end-to-end headers plus the forwarding headers the proxy adds. */
  headers: string[];
  /** The declared Content-Length, or -1 when there is none. */
  contentLength: number;
  /** The request body is chunked: its length is unknown until it ends. */
  chunked: boolean;
}

/** The atom a cleaned request becomes, for both engines. */
export function atomRequestOf(method: string, path: string, cleaned: CleanedRequest, client: string, connection: number): AtomRequest {
  return {
    method,
    path,
    client,
    connection,
    headers: cleaned.headers,
    hasBody: cleaned.chunked || cleaned.contentLength > 0,
    contentLength: cleaned.chunked ? -1 : cleaned.contentLength,
  };
}

export interface ClientFacts {
  /** Address of the client socket, appended to X-Forwarded-For. */
  address: string;
  /** The scheme the client used, for X-Forwarded-Proto and Forwarded. */
  proto: 'http' | 'https';
  /** "1.0" or "1.1": the protocol the request arrived in, for Via. */
  httpVersion: string;
  /** The authority of an absolute-form target: it replaces the Host header. */
  authority: string | null;
}

/**
 * Removes hop-by-hop headers, keeps `TE: trailers` only, drops Expect (the proxy answers 100-continue itself and
 * undici refuses it), and adds X-Forwarded-For (appended), X-Forwarded-Proto, X-Forwarded-Host and Via. A
 * Forwarded header the client sent gets our element appended, so its last element is always true.
 * Host is kept as the client sent it unless an absolute-form target named another authority. Content-Length is
 * kept; Transfer-Encoding is dropped and the body re-framed. Only heads that refuseRequestHead let through come
 * here, so the framing fields are single and well formed.
 */
export function cleanRequestHeaders(raw: readonly string[], client: ClientFacts): CleanedRequest {
  const nominated = connectionTokens(raw);
  const headers: string[] = [];
  let forwardedFor = '';
  let forwarded = '';
  let via = '';
  let host = '';
  let contentLength = -1;
  let chunked = false;
  let teTrailers = false;

  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        host = client.authority ?? value;
        headers.push(name, host);
        continue;
      case 'content-length':
        contentLength = Number(value);
        headers.push(name, value);
        continue;
      case 'transfer-encoding':
        chunked = true;
        continue;
      case 'te':
        if (/(^|,)\s*trailers\s*(;|,|$)/i.test(value)) teTrailers = true;
        continue;
      case 'expect':
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
        continue;
      case 'x-forwarded-for':
        forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value;
        continue;
      case 'via':
        via = via ? `${via}, ${value}` : value;
        continue;
      case 'forwarded':
        forwarded = forwarded ? `${forwarded}, ${value}` : value;
        continue;
    }
    if (!isHopByHop(lower, nominated)) headers.push(name, value);
  }

  if (!host && client.authority) {
    host = client.authority;
    headers.push('host', host);
  }
  if (teTrailers) headers.push('te', 'trailers');
  if (forwarded) {
    // A malformed client value (an open quote, a trailing backslash) would swallow our element: drop it.
    const element = forwardedElement(client.address, host, client.proto);
    headers.push('forwarded', wellQuoted(forwarded) ? `${forwarded}, ${element}` : element);
  }
  headers.push(
    'x-forwarded-for',
    forwardedFor ? `${forwardedFor}, ${client.address}` : client.address,
    'x-forwarded-proto',
    client.proto,
  );
  if (host) headers.push('x-forwarded-host', host);
  const ours = `${client.httpVersion} atomproxy`;
  headers.push('via', via ? `${via}, ${ours}` : ours);
  return { headers, contentLength, chunked };
}

/** Our RFC 7239 element: IPv6 addresses are bracketed and quoted, the host always quoted. */
function forwardedElement(address: string, host: string, proto: string): string {
  const node = address.includes(':') ? `"[${address}]"` : address;
  return host ? `for=${node};host="${host.replace(/["\\]/g, '')}";proto=${proto}` : `for=${node};proto=${proto}`;
}

/**
 * True when every quoted string in `value` is closed and no backslash escape is left dangling. A backslash
 * counts as an escape even outside quotes, as lenient parsers read it, so no reading can swallow our element.
 */
function wellQuoted(value: string): boolean {
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\') {
      if (++i === value.length) return false;
    } else if (char === '"') {
      quoted = !quoted;
    }
  }
  return !quoted;
}
