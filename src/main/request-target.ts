/**
 * The target to send upstream. Clients may send the absolute form (`GET http://host/x`), which a server must
 * accept (RFC 9112 §3.2.2); upstreams expect the origin form, so keep only path and query.
 */
export function originForm(target: string): string {
  if (target.charCodeAt(0) === 47 /* '/' */ || target === '*') return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return target;
  }
}
