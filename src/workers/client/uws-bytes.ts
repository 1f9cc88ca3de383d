/** Matches any character outside ASCII. */
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * uWebSockets.js hands header values and the target to JavaScript decoded as UTF-8, while the rest of the proxy
 * (node:http's rawHeaders, undici) carries header bytes as byte strings, one char per byte. This turns a
 * decoded string back into the bytes that came on the wire, or null when the decoding lost them: invalid UTF-8
 * became U+FFFD, and those bytes cannot be forwarded as they came.
 */
export function byteString(decoded: string): string | null {
  if (!NON_ASCII.test(decoded)) return decoded;
  if (decoded.includes('\ufffd')) return null;
  return Buffer.from(decoded, 'utf8').toString('latin1');
}
