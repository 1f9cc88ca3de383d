/**
 * Whether a response asks to authenticate the connection rather than the request: a 401 whose
 * `WWW-Authenticate` offers NTLM or Negotiate (RFC 4559), whose handshakes span several requests that must
 * travel on one connection. HAProxy then marks the server connection private to its client; so does atomproxy
 * (the upstream connection is pinned to the client connection until either closes).
 */
export function authenticatesConnection(status: number, rawHeaders: Buffer[]): boolean {
  if (status !== 401) return false;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toString('latin1').toLowerCase() !== 'www-authenticate') continue;
    if (/^\s*(ntlm|negotiate)\b/i.test(rawHeaders[i + 1]!.toString('latin1'))) return true;
  }
  return false;
}
