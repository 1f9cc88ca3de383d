import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanRequestHeaders } from '../../src/workers/client/request-headers.js';
import { cleanResponseHeaders } from '../../src/workers/upstream/response-headers.js';

const client = { address: '192.0.2.7', proto: 'http' as const, httpVersion: '1.0', authority: null };

describe('cleaning headers', () => {
  it('reports the framing of a request and drops Transfer-Encoding to re-frame the body', () => {
    const sized = cleanRequestHeaders(['Host', 'a', 'Content-Length', '5'], client);
    assert.equal(sized.contentLength, 5);
    assert.equal(sized.chunked, false);
    const chunked = cleanRequestHeaders(['Host', 'a', 'Transfer-Encoding', 'chunked'], client);
    assert.equal(chunked.contentLength, -1);
    assert.equal(chunked.chunked, true);
    assert.ok(!chunked.headers.some((name) => name.toLowerCase() === 'transfer-encoding'));
  });

  it('says in Via which protocol the request came in', () => {
    const { headers } = cleanRequestHeaders(['Host', 'a'], client);
    assert.equal(headers[headers.indexOf('via') + 1], '1.0 atomproxy');
  });

  it('drops Expect and keeps only the trailers token of TE', () => {
    const { headers } = cleanRequestHeaders(['Expect', '100-continue', 'TE', 'gzip'], client);
    assert.ok(!headers.includes('Expect') && !headers.includes('te') && !headers.includes('TE'));
  });

  it('lets the authority of an absolute-form target replace Host, and adds Host when there was none', () => {
    const replaced = cleanRequestHeaders(['Host', 'evil.test'], { ...client, authority: 'good.test' }).headers;
    assert.equal(replaced[replaced.indexOf('Host') + 1], 'good.test');
    assert.equal(replaced[replaced.indexOf('x-forwarded-host') + 1], 'good.test');
    const added = cleanRequestHeaders([], { ...client, authority: 'good.test:8080' }).headers;
    assert.equal(added[added.indexOf('host') + 1], 'good.test:8080');
  });

  it('appends its own element to a Forwarded header the client sent', () => {
    const { headers } = cleanRequestHeaders(['Host', 'h.test', 'Forwarded', 'for=1.2.3.4;proto=https'], { ...client, address: '::1' });
    assert.equal(headers[headers.indexOf('forwarded') + 1], 'for=1.2.3.4;proto=https, for="[::1]";host="h.test";proto=http');
  });

  it('drops a malformed client Forwarded value that would swallow our element', () => {
    for (const value of ['for="1.2.3.4', 'for=1.2.3.4;x="', 'for="a\\', 'for=a\\"b"']) {
      const { headers } = cleanRequestHeaders(['Host', 'h.test', 'Forwarded', value], { ...client, address: '10.0.0.1' });
      assert.equal(headers[headers.indexOf('forwarded') + 1], 'for=10.0.0.1;host="h.test";proto=http', value);
    }
  });

  it('strips response headers that the response Connection header names, whatever their case', () => {
    const raw = ['Connection', 'X-A, x-b', 'x-a', '1', 'X-B', '2', 'X-C', '3'].map((text) => Buffer.from(text));
    assert.deepEqual(cleanResponseHeaders(raw), ['X-C', '3', 'via', '1.1 atomproxy']);
  });
});
