import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refuseRequestHead } from '../../src/workers/client/request-framing.js';

const HTTP11 = { httpVersion: '1.1', maxFields: 100 };
const status = (raw: string[], facts = HTTP11) => refuseRequestHead(raw, facts)?.status ?? 'forwarded';

describe('refusing request heads whose framing or fields are ambiguous', () => {
  it('forwards ordinary heads, obs-text values included', () => {
    assert.equal(status(['Host', 'a', 'Content-Length', '5', 'X-Name', 'caf\u00c3\u00a9\u00ff']), 'forwarded');
    assert.equal(status(['Host', 'a', 'Transfer-Encoding', ' Chunked ']), 'forwarded');
    // Empty list elements are ignored (RFC 9110 §5.6.1), as llhttp does.
    assert.equal(status(['Host', 'a', 'Transfer-Encoding', ', chunked,']), 'forwarded');
    assert.equal(status(['Host', 'a', 'Content-Length', '0000000000000000005']), 'forwarded');
    assert.equal(status(['Host', 'a', 'X_Custom', 'underscores are fine when they mean nothing']), 'forwarded');
    assert.equal(status([]), 'forwarded');
  });

  it('answers 431 to more fields than ATOM_MAX_HEADER_FIELDS', () => {
    const fields = (count: number) => Array.from({ length: count }, (_, i) => [`x-${i}`, 'v']).flat();
    assert.equal(status(fields(100)), 'forwarded');
    assert.equal(status(fields(101)), 431);
  });

  it('refuses Content-Length values outside 1*DIGIT, lists and duplicates', () => {
    for (const value of ['', '+5', '-1', '5, 5', '5 5', '0x5', '5\u00a0', '1e3', '9007199254740992']) {
      assert.equal(status(['Content-Length', value]), 400, JSON.stringify(value));
    }
    assert.equal(status(['Content-Length', '5', 'content-length', '5']), 400);
  });

  it('accepts only one final chunked: other codings are 501, malformed or misplaced ones 400', () => {
    for (const value of ['gzip, chunked', 'xchunked', 'identity', 'chunked;q=1', 'gzip;level="9", chunked']) {
      assert.equal(status(['Transfer-Encoding', value]), 501, value);
    }
    for (const value of ['chunked, chunked', 'chunked, gzip', ',', '', 'chunked\u00a0', 'chunked;param', 'chu nked']) {
      assert.equal(status(['Transfer-Encoding', value]), 400, JSON.stringify(value));
    }
    assert.equal(status(['Transfer-Encoding', 'chunked', 'transfer-encoding', 'chunked']), 400);
  });

  it('refuses Transfer-Encoding with Content-Length, and in an HTTP/1.0 request', () => {
    assert.equal(status(['Content-Length', '5', 'Transfer-Encoding', 'chunked']), 400);
    assert.equal(status(['Transfer-Encoding', 'chunked'], { ...HTTP11, httpVersion: '1.0' }), 400);
  });

  it('refuses names that other servers read as framing fields', () => {
    for (const name of ['Content_Length', 'content--length', 'Transfer---Encoding', 'transfer_encoding', 'CONTENT__LENGTH']) {
      assert.equal(status([name, '5']), 400, name);
    }
  });

  it('refuses names that are not tokens and values holding control characters', () => {
    for (const name of ['', ':x', ':authority', 'a b', 'x\u00e4']) assert.equal(status([name, 'y']), 400, JSON.stringify(name));
    for (const value of ['a\u0000b', 'a\u007fb', 'a\rb', 'a\nb', 'a\u001bb']) assert.equal(status(['X', value]), 400, JSON.stringify(value));
    assert.equal(status(['X', 'tab\there']), 'forwarded');
  });

  it('answers 505 to a request line that is neither HTTP/1.0 nor HTTP/1.1 (llhttp reads a missing version as 0.9)', () => {
    assert.equal(status(['Host', 'a'], { ...HTTP11, httpVersion: '0.9' }), 505);
    assert.equal(status(['Host', 'a'], { ...HTTP11, httpVersion: '1.0' }), 'forwarded');
  });

  it('refuses a second Host', () => {
    assert.equal(status(['Host', 'a', 'host', 'a']), 400);
  });
});
