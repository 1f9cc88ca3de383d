/**
 * Decides whether a client request's head may be forwarded at all. Framing is read strictly, as RFC 9112 §6
 * asks of a server and as nginx does, because every upstream connection is shared by every client: a request
 * that the proxy and the server behind it could frame differently would let one client's bytes run as another
 * request on a pooled connection. The engines run this on the raw field list before anything is forwarded.
 */

/** Why a request is refused: its status (400, 431, 501 or 505) and a cause for the log line. */
export interface Refusal {
  status: 400 | 431 | 501 | 505;
  cause: string;
}

export interface HeadFacts {
  /** As the request line said: "1.0" and "1.1" are served; llhttp also lets "0.9" through. */
  httpVersion: string;
  /** ATOM_MAX_HEADER_FIELDS: more fields than this is a 431, never a silent drop. */
  maxFields: number;
}

/** RFC 9110 §5.1 field-name: a token. An empty name or one holding ':' or a space is not. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 §5.5 field-value allows HTAB, SP, VCHAR and obs-text: any other control byte is refused. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** RFC 9112 §6.2 Content-Length = 1*DIGIT: no list, no sign, no space (leading zeros are digits too). */
const CONTENT_LENGTH = /^[0-9]+$/;
/** One transfer-coding: a token with optional `;name=value` parameters (RFC 9112 §7). */
const TRANSFER_CODING = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*;[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\t\x20-\x7e\x80-\xff])*"))*$/;

const FRAMING_FIELDS = new Set(['content-length', 'transfer-encoding']);

/**
 * True when a server behind the proxy could read `lowerName` as a framing field although the proxy does not:
 * CGI, WSGI and many frameworks turn `_` into `-`, and some collapse runs of `-`.
 */
function readsAsFramingField(lowerName: string): boolean {
  if (!lowerName.includes('_') && !lowerName.includes('--')) return false; // the common case, without allocating
  const normalised = lowerName.replace(/_/g, '-').replace(/-{2,}/g, '-');
  return normalised !== lowerName && FRAMING_FIELDS.has(normalised);
}

/**
 * Transfer-Encoding must be exactly one final `chunked` (RFC 9112 §6.1, §7): a value outside the grammar or
 * that applies chunked twice or not last is a 400; other codings are valid but unknown to the proxy, a 501.
 */
function transferEncodingRefusal(value: string): Refusal | null {
  // Only SP and HTAB are whitespace here (String.prototype.trim would also eat a no-break space), and empty list
  // elements are ignored (RFC 9110 §5.6.1), as llhttp does.
  const codings = value
    .split(',')
    .map((coding) => coding.replace(/^[ \t]+|[ \t]+$/g, ''))
    .filter((coding) => coding !== '');
  if (codings.length === 1 && codings[0]!.toLowerCase() === 'chunked') return null;
  if (codings.length === 0) return { status: 400, cause: 'empty Transfer-Encoding' };
  if (codings.some((coding) => !TRANSFER_CODING.test(coding))) {
    return { status: 400, cause: `malformed Transfer-Encoding ${JSON.stringify(value)}` };
  }
  const chunkedAt = codings.map((coding) => coding.toLowerCase() === 'chunked');
  if (chunkedAt.slice(0, -1).some(Boolean)) {
    return { status: 400, cause: `Transfer-Encoding ${JSON.stringify(value)} applies chunked before another coding` };
  }
  return { status: 501, cause: `unsupported Transfer-Encoding ${JSON.stringify(value)}: only chunked is implemented` };
}

/**
 * The refusal for a request head given as a flat [name, value, …] list of byte strings (one char per byte),
 * or null when it may be forwarded.
 */
export function refuseRequestHead(raw: readonly string[], facts: HeadFacts): Refusal | null {
  if (facts.httpVersion !== '1.0' && facts.httpVersion !== '1.1') {
    return { status: 505, cause: `HTTP/${facts.httpVersion} request` };
  }
  const fields = raw.length / 2;
  if (fields > facts.maxFields) {
    return { status: 431, cause: `${fields} header fields, over ATOM_MAX_HEADER_FIELDS (${facts.maxFields})` };
  }
  let hosts = 0;
  let contentLengths = 0;
  let transferEncoding: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (!TOKEN.test(name)) return { status: 400, cause: `header name ${JSON.stringify(name)} is not a token` };
    if (CONTROL.test(value)) return { status: 400, cause: `control character in the value of ${name}` };
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        hosts++;
        break;
      case 'content-length':
        if (++contentLengths > 1) return { status: 400, cause: 'more than one Content-Length header' };
        if (!CONTENT_LENGTH.test(value) || Number(value) > Number.MAX_SAFE_INTEGER) {
          return { status: 400, cause: `invalid Content-Length ${JSON.stringify(value)}` };
        }
        break;
      case 'transfer-encoding':
        if (transferEncoding !== null) return { status: 400, cause: 'more than one Transfer-Encoding header' };
        transferEncoding = value;
        break;
      default:
        if (readsAsFramingField(lower)) {
          return { status: 400, cause: `header name ${JSON.stringify(name)} reads as a framing field once normalised` };
        }
    }
  }
  if (hosts > 1) return { status: 400, cause: 'more than one Host header' };
  if (transferEncoding === null) return null;
  if (facts.httpVersion === '1.0') return { status: 400, cause: 'Transfer-Encoding in an HTTP/1.0 request' };
  if (contentLengths > 0) return { status: 400, cause: 'both Content-Length and Transfer-Encoding' };
  return transferEncodingRefusal(transferEncoding);
}
