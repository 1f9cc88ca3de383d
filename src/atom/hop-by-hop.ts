/**
 * Hop-by-hop headers describe one connection, never the message, so they never cross the proxy in either
 * direction (RFC 9110 §7.6.1, plus the proxy-credential pair and the obsolete Proxy-Connection).
 * Header lists here are flat: [name, value, name, value, …], as node:http's rawHeaders and undici take them.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** Lower-cased tokens named by every Connection header in `flat`; null when there is no Connection header. */
export function connectionTokens(flat: readonly string[]): Set<string> | null {
  let tokens: Set<string> | null = null;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i]!.length !== 10 || flat[i]!.toLowerCase() !== 'connection') continue;
    tokens ??= new Set();
    for (const token of flat[i + 1]!.split(',')) {
      const name = token.trim().toLowerCase();
      if (name) tokens.add(name);
    }
  }
  return tokens;
}

/** True when `lowerName` must not be forwarded: hop-by-hop itself or named by the message's Connection header. */
export function isHopByHop(lowerName: string, nominated: Set<string> | null): boolean {
  return HOP_BY_HOP.has(lowerName) || (nominated !== null && nominated.has(lowerName));
}
