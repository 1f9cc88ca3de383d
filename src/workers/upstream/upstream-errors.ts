/** How an upstream failure is answered to the client: 504 when the upstream was too slow, else 502. */
export function statusForUpstreamError(error: Error & { code?: string }): { status: number; cause: string } {
  switch (error.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { status: 504, cause: 'upstream response timeout' };
    case 'UND_ERR_BODY_TIMEOUT':
      return { status: 504, cause: 'upstream body timeout' };
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { status: 504, cause: 'upstream connect timeout' };
    case 'UND_ERR_INVALID_ARG':
      // Only a header the client sent and the parser let through can make undici refuse the request.
      return { status: 400, cause: `request refused by upstream client: ${error.message}` };
    default:
      return { status: 502, cause: error.code ? `${error.code}: ${error.message}` : error.message };
  }
}
