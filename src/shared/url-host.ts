/** The host of a URL as a name or a bare address: an IPv6 address without the brackets a URL puts around it. */
export function hostOf(url: string | URL): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, '');
}
