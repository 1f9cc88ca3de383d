import { http } from '../../shared/node-http.js';

/** The short text body of an error the proxy answers itself, e.g. "502 Bad Gateway\n". */
export function errorText(status: number): string {
  return `${status} ${http.STATUS_CODES[status] ?? 'Error'}\n`;
}

/**
 * A complete error response for engines that must write raw bytes (parse errors before any request object).
 * `extraHeaderLines` are whole CRLF-terminated lines.
 */
export function rawErrorResponse(status: number, extraHeaderLines = ''): string {
  const body = errorText(status);
  return (
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\n${extraHeaderLines}` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}
