import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { connect, type PeerCertificate } from 'node:tls';
import { makeAuthority, type IssuedCertificate, type TestAuthority } from '../helpers/certificates.js';
import { findTool } from '../helpers/find-tool.js';
import { engineSkip, ENGINES, sharedPortSkip } from '../helpers/matrix.js';
import { startProxy, startProxyExpectingFailure, type ProxyProcess } from '../helpers/proxy-process.js';
import { startTlsOrigin, type TlsOrigin } from '../helpers/tls-origin.js';
import { waitFor } from '../helpers/wait.js';

/** The certificates are made with openssl; without it every test here is skipped, and CI must have it. */
const noOpenssl = findTool('openssl') ? false : 'install openssl: it makes the test certificates';
if (noOpenssl && process.env.CI) throw new Error('CI must install openssl');

let authority: TestAuthority;
let stranger: TestAuthority;
let front: IssuedCertificate;
let second: IssuedCertificate;
let originCertificate: IssuedCertificate;

before(() => {
  if (noOpenssl) return;
  authority = makeAuthority();
  stranger = makeAuthority('a CA nobody trusts');
  front = authority.issue(['proxy.test']);
  second = authority.issue(['api.test', '*.api.test']);
  originCertificate = authority.issue(['origin.test']);
});

after(() => {
  if (noOpenssl) return;
  authority.remove();
  stranger.remove();
});

interface Answer {
  status: number;
  body: string;
}

/** One HTTPS request to the proxy's TLS port on its own connection, trusting the test CA. */
function httpsGet(port: number, options: { servername: string; host?: string; close?: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: options.host ?? options.servername };
    if (options.close) headers.connection = 'close';
    const call = request({ host: '127.0.0.1', port, servername: options.servername, ca: authority.cert, agent: false, headers, timeout: 10_000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    call.on('timeout', () => call.destroy(new Error('no answer within 10 s')));
    call.once('error', reject).end();
  });
}

/** The certificate the TLS listener presents to a client sending `servername` (none when undefined). */
function presented(port: number, servername: string | undefined): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** Whether a client that speaks only TLS 1.1 gets a session (its own side allows the old version and ciphers). */
function tls11Accepted(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'proxy.test', rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
      resolve(true);
      socket.end();
    });
    socket.once('error', () => resolve(false));
  });
}

function tlsListener(): Record<string, string> {
  return {
    ATOM_TLS_PORT: '0',
    ATOM_TLS_CERT_FILE: `${front.certFile},${second.certFile}`,
    ATOM_TLS_KEY_FILE: `${front.keyFile},${second.keyFile}`,
  };
}

function toOrigin(origin: TlsOrigin, extra: Record<string, string> = {}): Record<string, string> {
  return { ATOM_UPSTREAMS: `https://127.0.0.1:${origin.port}`, ATOM_UPSTREAM_SNI: 'origin.test', ATOM_UPSTREAM_CA_FILE: authority.certFile, ...extra };
}

for (const [engine, workers] of ENGINES.flatMap((engine) => [[engine, 1], [engine, 2]] as const)) {
  const skip = noOpenssl || (workers === 1 ? engineSkip(engine) : sharedPortSkip(engine));
  describe(`HTTPS on both sides, ${engine} engine, ATOM_WORKERS=${workers}`, { skip }, () => {
    let origin: TlsOrigin;
    let proxy: ProxyProcess;
    let tlsPort: number;

    before(async () => {
      origin = await startTlsOrigin({ cert: originCertificate.cert, key: originCertificate.key });
      proxy = await startProxy({ ATOM_ACCEPTOR: engine, ATOM_WORKERS: String(workers), ...tlsListener(), ...toOrigin(origin) });
      tlsPort = proxy.tlsPort!;
    });

    after(async () => {
      await proxy.stop();
      await origin.close();
    });

    it('presents the certificate the client’s SNI names, and the first one otherwise', async () => {
      assert.match(String((await presented(tlsPort, 'proxy.test')).subjectaltname), /DNS:proxy\.test/);
      assert.match(String((await presented(tlsPort, 'api.test')).subjectaltname), /DNS:api\.test/);
      assert.match(String((await presented(tlsPort, 'eu.api.test')).subjectaltname), /DNS:\*\.api\.test/, 'a wildcard name');
      assert.match(String((await presented(tlsPort, 'elsewhere.test')).subjectaltname), /DNS:proxy\.test/);
      assert.match(String((await presented(tlsPort, undefined)).subjectaltname), /DNS:proxy\.test/);
    });

    it('refuses TLS 1.1', async () => {
      assert.equal(await tls11Accepted(tlsPort), false);
      assert.equal((await httpsGet(tlsPort, { servername: 'proxy.test' })).status, 200, 'while TLS 1.2+ works');
    });

    it('serves close clients over TLS from pooled TLS upstream connections (one per thread at most), whatever their SNI and Host', async () => {
      const before = { ...origin.handshakes, connections: origin.connections, requests: origin.requests.length };
      const names = ['proxy.test', 'api.test', 'eu.api.test'];
      for (let i = 0; i < 12; i++) {
        const answer = await httpsGet(tlsPort, { servername: names[i % 3]!, close: true });
        assert.deepEqual(answer, { status: 200, body: 'hello\n' });
      }
      const seen = origin.requests.slice(before.requests);
      assert.equal(seen.length, 12);
      assert.deepEqual(new Set(seen.map((seenRequest) => seenRequest.headers.host)), new Set(names), 'the clients’ Host headers reach the origin');
      for (const seenRequest of seen) {
        assert.equal(seenRequest.headers['x-forwarded-proto'], 'https');
        assert.equal(seenRequest.servername, 'origin.test', 'SNI is ATOM_UPSTREAM_SNI, never the client’s Host');
      }
      // Each thread opens at most one: a thread reuses its own, or another thread's through a hop.
      assert.ok(origin.connections - before.connections <= workers, `upstream connections opened: ${origin.connections - before.connections}`);
      assert.ok(origin.handshakes.full - before.full <= workers, `full upstream handshakes: ${origin.handshakes.full - before.full}`);
    });

    it('keeps serving plain HTTP on ATOM_PORT, marked as such', async () => {
      const before = origin.requests.length;
      const response = await fetch(`${proxy.url}/plain`);
      assert.equal(response.status, 200);
      assert.equal(origin.requests[before]?.headers['x-forwarded-proto'], 'http');
    });
  });
}

describe('upstream TLS', { skip: noOpenssl }, () => {
  let origin: TlsOrigin;

  before(async () => {
    origin = await startTlsOrigin({ cert: originCertificate.cert, key: originCertificate.key });
  });

  after(async () => {
    await origin.close();
  });

  it('resumes the TLS session when it must open another upstream connection', async () => {
    // One request per upstream connection, so every request after the first needs a new one.
    const proxy = await startProxy({ ATOM_WORKERS: '1', ...toOrigin(origin, { ATOM_UPSTREAM_MAX_REQUESTS: '1' }) });
    try {
      const before = { ...origin.handshakes, connections: origin.connections };
      for (let i = 0; i < 4; i++) assert.equal((await fetch(`${proxy.url}/${i}`)).status, 200);
      assert.equal(origin.connections - before.connections, 4);
      assert.equal(origin.handshakes.full - before.full, 1);
      assert.equal(origin.handshakes.resumed - before.resumed, 3);
    } finally {
      await proxy.stop();
    }
  });

  it('opens the warm pool’s TLS connections ahead of traffic (ATOM_UPSTREAM_MIN_IDLE)', async () => {
    const before = { ...origin.handshakes, requests: origin.requests.length };
    const proxy = await startProxy({ ATOM_WORKERS: '1', ...toOrigin(origin, { ATOM_UPSTREAM_MIN_IDLE: '2' }) });
    try {
      await waitFor(() => origin.handshakes.full + origin.handshakes.resumed - before.full - before.resumed === 2, 'two warm TLS connections');
      assert.equal(origin.requests.length, before.requests, 'no request was needed to open them');
      const opened = origin.connections;
      assert.equal((await fetch(`${proxy.url}/warm`)).status, 200);
      assert.equal(origin.connections, opened, 'the request rode a warm connection');
    } finally {
      await proxy.stop();
    }
  });

  it('answers 502 and logs the upstream and the reason when the upstream certificate fails verification', async () => {
    const impostor = stranger.issue(['origin.test']);
    const fake = await startTlsOrigin({ cert: impostor.cert, key: impostor.key });
    const proxy = await startProxy({ ATOM_WORKERS: '1', ...toOrigin(fake) });
    try {
      const response = await fetch(`${proxy.url}/secret`);
      assert.equal(response.status, 502);
      assert.equal(fake.requests.length, 0, 'nothing reached the impostor');
      // The origin reads the proxy's alert, and the log line crosses a pipe, maybe after the answer arrived.
      await waitFor(() => fake.handshakes.failed >= 1, 'the impostor to see its handshake refused');
      await waitFor(() => proxy.logs.some((entry) => entry.msg === 'atom failed'), 'the atom failed line');
      const line = proxy.logs.find((entry) => entry.msg === 'atom failed');
      assert.equal(line?.upstream, `https://127.0.0.1:${fake.port}`);
      assert.match(String(line?.cause), /certificate/i);
    } finally {
      await proxy.stop();
      await fake.close();
    }
  });

  it('lets any upstream certificate through with ATOM_UPSTREAM_TLS_VERIFY=0, and warns at start', async () => {
    const impostor = stranger.issue(['somebody.test']);
    const fake = await startTlsOrigin({ cert: impostor.cert, key: impostor.key });
    const proxy = await startProxy({ ATOM_WORKERS: '1', ATOM_UPSTREAMS: `https://127.0.0.1:${fake.port}`, ATOM_UPSTREAM_TLS_VERIFY: '0' });
    try {
      assert.equal((await fetch(`${proxy.url}/`)).status, 200);
      assert.equal(fake.requests.length, 1);
      assert.ok(proxy.logs.some((entry) => entry.level === 40 && /ATOM_UPSTREAM_TLS_VERIFY=0/.test(String(entry.msg))));
    } finally {
      await proxy.stop();
      await fake.close();
    }
  });
});

describe('TLS files at start', { skip: noOpenssl }, () => {
  it('stops with one line naming the variable when a key is not its certificate’s', async () => {
    const { code, stderr } = await startProxyExpectingFailure({ ATOM_TLS_PORT: '0', ATOM_TLS_CERT_FILE: front.certFile, ATOM_TLS_KEY_FILE: second.keyFile });
    assert.equal(code, 2);
    assert.match(stderr, /^atomproxy: ATOM_TLS_KEY_FILE: .* is not the key of .*\(ATOM_TLS_CERT_FILE\)/);
  });

  it('stops with one line naming the variable when a file is missing or not PEM', async () => {
    const missing = await startProxyExpectingFailure({ ATOM_TLS_PORT: '0', ATOM_TLS_CERT_FILE: '/nonexistent/cert.pem', ATOM_TLS_KEY_FILE: front.keyFile });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^atomproxy: ATOM_TLS_CERT_FILE: cannot read \/nonexistent\/cert\.pem: ENOENT\n$/);
    const notPem = await startProxyExpectingFailure({ ATOM_UPSTREAM_CA_FILE: front.keyFile });
    assert.equal(notPem.code, 2);
    assert.match(notPem.stderr, /^atomproxy: ATOM_UPSTREAM_CA_FILE: .* is not a usable PEM certificate/);
  });
});
