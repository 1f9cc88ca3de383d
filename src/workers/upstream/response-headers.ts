import { connectionTokens, isHopByHop } from '../../atom/hop-by-hop.js';

/**
 * Turns undici's raw response headers (Buffers, wire order and case) into the flat string list the acceptor
 * writes, without hop-by-hop headers or those the upstream's Connection header names, and with our Via added.
 * Content-Length stays: it is end-to-end, and lets an HTTP/1.0 keep-alive client keep its connection.
 */
export function cleanResponseHeaders(raw: readonly Buffer[]): string[] {
  const flat = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) flat[i] = raw[i]!.toString('latin1');
  const nominated = connectionTokens(flat);
  const headers: string[] = [];
  let via = '';
  for (let i = 0; i < flat.length; i += 2) {
    const lower = flat[i]!.toLowerCase();
    if (lower === 'via') via = via ? `${via}, ${flat[i + 1]}` : flat[i + 1]!;
    else if (!isHopByHop(lower, nominated)) headers.push(flat[i]!, flat[i + 1]!);
  }
  headers.push('via', via ? `${via}, 1.1 atomproxy` : '1.1 atomproxy');
  return headers;
}
