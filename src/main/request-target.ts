/** Where a request goes: the origin-form path to send upstream, and the authority an absolute form named. */
export interface RequestTarget {
  /** `/path?query`, or `*`. */
  path: string;
  /** `host[:port]` from an absolute-form target, which replaces the Host header (RFC 9112 §3.2.2); else null. */
  authority: string | null;
}

/**
 * Clients may send the absolute form (`GET http://host/x`), which a server must accept; upstreams expect the
 * origin form, so keep only path and query, and let the target's authority win over the Host header.
 */
export function parseTarget(target: string): RequestTarget {
  if (target.charCodeAt(0) === 47 /* '/' */ || target === '*') return { path: target, authority: null };
  try {
    const url = new URL(target);
    return { path: url.pathname + url.search, authority: url.host };
  } catch {
    return { path: target, authority: null };
  }
}
