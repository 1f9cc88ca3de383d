import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig, VARIABLES } from '../../src/main/config.js';
import { nodeReusePortRefusal } from '../../src/main/reuse-port.js';
import { startProxyExpectingFailure } from '../helpers/proxy-process.js';

describe('configuration from ATOM_* variables', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.acceptor, 'node');
    assert.deepEqual(config.upstreams, []);
    assert.ok(config.workers >= 1);
  });

  it('runs a thread per core, or one where only one thread can listen on the port (node:http without reusePort)', () => {
    const cores = Math.min(64, availableParallelism());
    assert.equal(loadConfig({ ATOM_ACCEPTOR: 'uws' }).workers, cores);
    assert.equal(loadConfig({}).workers, nodeReusePortRefusal() === null ? cores : 1);
    assert.equal(loadConfig({ ATOM_WORKERS: '3' }).workers, 3, 'an explicit count is kept either way');
  });

  it('parses upstream lists into origins', () => {
    const config = loadConfig({ ATOM_UPSTREAMS: 'http://127.0.0.1:9001, http://localhost:9002/, https://api.test:443, https://api.test:8443' });
    assert.deepEqual(config.upstreams, ['http://127.0.0.1:9001', 'http://localhost:9002', 'https://api.test', 'https://api.test:8443']);
  });

  it('reads the TLS listener and the upstream TLS settings', () => {
    const config = loadConfig({ ATOM_TLS_PORT: '8443', ATOM_TLS_CERT_FILE: 'a.pem, b.pem', ATOM_TLS_KEY_FILE: 'a.key,b.key', ATOM_UPSTREAM_SNI: 'api.test', ATOM_UPSTREAM_TLS_VERIFY: '0' });
    assert.deepEqual(config.tls, { port: 8443, certFiles: ['a.pem', 'b.pem'], keyFiles: ['a.key', 'b.key'] });
    assert.deepEqual(config.upstream.tls, { servername: 'api.test', caFile: null, verify: false, certFile: null, keyFile: null });
    assert.equal(loadConfig({}).tls, null, 'no TLS listener unless asked');
    assert.equal(loadConfig({}).upstream.tls.verify, true, 'upstream certificates are verified unless told not to');
  });

  it('reads the balancing, weights, health checks and server-close mode', () => {
    const config = loadConfig({
      ATOM_UPSTREAMS: 'http://a:1,http://b:2', ATOM_BALANCE: 'least-conn', ATOM_UPSTREAM_WEIGHTS: '3, 1', ATOM_PREFER_LAST_UPSTREAM: '1',
      ATOM_HEALTH_CHECK_PATH: '/healthz', ATOM_HEALTH_CHECK_INTERVAL_MS: '500', ATOM_HEALTH_CHECK_FALL: '4', ATOM_UPSTREAM_KEEPALIVE: '0',
    });
    assert.equal(config.upstream.balance, 'least-conn');
    assert.deepEqual(config.upstream.weights, [3, 1]);
    assert.equal(config.upstream.preferLast, true);
    assert.deepEqual(config.upstream.healthCheck, { path: '/healthz', intervalMs: 500, timeoutMs: 500, rise: 2, fall: 4 }, 'the timeout defaults to 1 s, or the interval when shorter');
    assert.equal(config.upstream.maxRequestsPerConnection, 1, 'server-close mode: one request per upstream connection');
    const defaults = loadConfig({ ATOM_UPSTREAMS: 'http://a:1,http://b:2' });
    assert.equal(defaults.upstream.balance, 'round-robin');
    assert.deepEqual(defaults.upstream.weights, [1, 1]);
    assert.equal(defaults.upstream.healthCheck, null, 'no active checks unless a path is given');
  });

  it('treats an empty variable as unset and ATOM_UPSTREAM_MAX_CONNS=0 as no cap', () => {
    const config = loadConfig({ ATOM_PORT: '', ATOM_UPSTREAM_MAX_CONNS: '0' });
    assert.equal(config.port, 8080);
    assert.equal(config.upstream.maxConnections, 0);
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ ATOM_PORT: 'eighty' }, /^ATOM_PORT="eighty" is not allowed: expected an integer from 0 to 65535$/],
    [{ ATOM_PORT: '70000' }, /^ATOM_PORT="70000"/],
    [{ ATOM_WORKERS: '-1' }, /^ATOM_WORKERS="-1"/],
    [{ ATOM_WORKERS: '0' }, /^ATOM_WORKERS="0" is not allowed: expected an integer from 1 to 64$/],
    [{ ATOM_ACCEPTOR: 'nginx' }, /^ATOM_ACCEPTOR="nginx" is not allowed: expected one of node, uws$/],
    [{ ATOM_UPSTREAMS: 'ftp://example.test' }, /^ATOM_UPSTREAMS="ftp:\/\/example.test" is not allowed/],
    [{ ATOM_TLS_PORT: '8443' }, /^ATOM_TLS_PORT=8443 needs ATOM_TLS_CERT_FILE and ATOM_TLS_KEY_FILE/],
    [{ ATOM_TLS_CERT_FILE: 'a.pem', ATOM_TLS_KEY_FILE: 'a.key' }, /^ATOM_TLS_CERT_FILE is set but ATOM_TLS_PORT is not/],
    [{ ATOM_TLS_PORT: '8443', ATOM_TLS_CERT_FILE: 'a.pem,b.pem', ATOM_TLS_KEY_FILE: 'a.key' }, /^ATOM_TLS_KEY_FILE lists 1 file\(s\) and ATOM_TLS_CERT_FILE 2/],
    [{ ATOM_UPSTREAM_TLS_VERIFY: 'no' }, /^ATOM_UPSTREAM_TLS_VERIFY="no" is not allowed: expected one of 0, 1$/],
    [{ ATOM_UPSTREAM_CERT_FILE: 'c.pem' }, /^ATOM_UPSTREAM_CERT_FILE is set without ATOM_UPSTREAM_KEY_FILE/],
    [{ ATOM_UPSTREAMS: 'http://a:1/path' }, /^ATOM_UPSTREAMS=/],
    [{ ATOM_RESPONSE_TIMEOUT_MS: '0' }, /^ATOM_RESPONSE_TIMEOUT_MS="0"/],
    [{ ATOM_LOG_LEVEL: 'loud' }, /^ATOM_LOG_LEVEL="loud"/],
    [{ ATOM_WORKRES: '2' }, /^ATOM_WORKRES is not a known variable/],
    [{ ATOM_ACCEPTOR: 'uws', ATOM_CLIENT_MAX_REQUESTS: '10' }, /^ATOM_CLIENT_MAX_REQUESTS="10" is not allowed with ATOM_ACCEPTOR=uws/],
    [{ ATOM_ACCEPTOR: 'uws', ATOM_PREFER_LAST_UPSTREAM: '1' }, /^ATOM_PREFER_LAST_UPSTREAM="1" is not allowed with ATOM_ACCEPTOR=uws/],
    [{ ATOM_BALANCE: 'fastest' }, /^ATOM_BALANCE="fastest" is not allowed: expected one of round-robin, least-conn, p2c, random$/],
    [{ ATOM_UPSTREAMS: 'http://a:1,http://b:2', ATOM_UPSTREAM_WEIGHTS: '3' }, /^ATOM_UPSTREAM_WEIGHTS lists 1 weight\(s\) and ATOM_UPSTREAMS 2 upstream\(s\)/],
    [{ ATOM_UPSTREAMS: 'http://a:1', ATOM_UPSTREAM_WEIGHTS: '0' }, /^ATOM_UPSTREAM_WEIGHTS="0" is not allowed: expected an integer from 1 to 1000$/],
    [{ ATOM_UPSTREAM_KEEPALIVE: '0', ATOM_UPSTREAM_MAX_REQUESTS: '5' }, /^ATOM_UPSTREAM_MAX_REQUESTS=5 is not allowed with ATOM_UPSTREAM_KEEPALIVE=0/],
    [{ ATOM_HEALTH_CHECK_PATH: 'health' }, /^ATOM_HEALTH_CHECK_PATH="health" is not allowed: expected a path starting with \//],
    [{ ATOM_HEALTH_CHECK_PATH: '/h', ATOM_HEALTH_CHECK_TIMEOUT_MS: '5000' }, /^ATOM_HEALTH_CHECK_TIMEOUT_MS=5000 is not allowed: expected at most ATOM_HEALTH_CHECK_INTERVAL_MS \(2000\)$/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      assert.throws(() => loadConfig(env), (error: Error) => error instanceof ConfigError && message.test(error.message));
    });
  }

  it('stops the process with one line naming the bad variable', async () => {
    const { code, stderr } = await startProxyExpectingFailure({ ATOM_QUEUE_MAX: 'lots' });
    assert.equal(code, 2);
    assert.equal(stderr, 'atomproxy: ATOM_QUEUE_MAX="lots" is not allowed: expected an integer from 0 to 1000000\n');
  });

  it('is documented: docs/configuration.md names every variable', () => {
    const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const variable of Object.values(VARIABLES)) {
      assert.ok(docs.includes(`\`${variable.name}\``), `${variable.name} is missing from docs/configuration.md`);
    }
  });
});
