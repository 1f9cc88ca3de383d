/** Where a request goes: the origin-form path to send upstream, and the authority an absolute form named. */
export interface RequestTarget {
  /** `/path?query`, or `*`; null when the target is not one a proxy can forward (answer 400). */
  path: string | null;
  /** `host[:port]` from an absolute-form target, which replaces the Host header (RFC 9112 §3.2.2); else null. */
  authority: string | null;
}

/**
 * Clients may send the absolute form (`GET http://host/x`), which a server must accept; upstreams expect the
 * origin form, so keep only path and query, and let the target's authority win over the Host header. Only
 * http and https URLs with a host are targets; anything else (`foo:///x`, `ftp://…`) is refused.
 */
export function parseTarget(target: string): RequestTarget {
  if (target.charCodeAt(0) === 47 /* '/' */ || target === '*') return { path: target, authority: null };
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { path: null, authority: null };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.host || url.username || url.password) {
    return { path: null, authority: null };
  }
  return { path: url.pathname + url.search, authority: url.host };
}
