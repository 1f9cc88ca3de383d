import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import type { WorkerRouting } from '../pool/choose-worker.js';
import { serverSlots, type ServerSlot } from '../pool/server-slots.js';
import { BALANCE_METHODS, type BalanceMethod } from '../workers/router/balancer.js';
import { nodeReusePortRefusal } from './reuse-port.js';

/** A configuration problem, reported as one line naming the variable, its value and what is allowed. */
export class ConfigError extends Error {}

export type AcceptorEngine = 'node' | 'uws';

export interface Config {
  host: string;
  port: number;
  /** Upstream origins, `http://host:port` or `https://host:port`; empty means "start the built-in demo origin". */
  upstreams: string[];
  /** Every server of every upstream: one per address, ATOM_UPSTREAM_SLOTS per host name (src/pool/server-slots.ts). */
  servers: ServerSlot[];
  dns: {
    /** How often host names are resolved again (sooner when their records' TTL says so). */
    refreshMs: number;
    /** `ip` or `ip:port` of the resolvers to ask; empty: the system's (getaddrinfo, /etc/hosts included). */
    resolvers: string[];
  };
  /** The TLS listener beside `port`, or null when ATOM_TLS_PORT is unset. */
  tls: ClientTlsConfig | null;
  /** Worker threads; each accepts clients, routes their atoms and owns upstream connections. */
  workers: number;
  acceptor: AcceptorEngine;
  logLevel: string;
  /** 'stdout' or a file path for one line per atom; null: off. */
  accessLog: string | null;
  admin: {
    host: string;
    /** 0: no admin listener. */
    port: number;
    /** Every admin request must carry `Authorization: Bearer <token>`; null: no token (loopback only). */
    token: string | null;
    /** POST /__atomproxy/workers/N/kill answers (the crash drill); off by default. */
    allowKill: boolean;
  };
  client: {
    idleTimeoutMs: number;
    headerTimeoutMs: number;
    maxRequests: number;
    maxLifetimeMs: number;
    maxHeaderBytes: number;
    maxHeaderFields: number;
    maxBodyBytes: number;
  };
  upstream: {
    connectTimeoutMs: number;
    idleTimeoutMs: number;
    responseTimeoutMs: number;
    maxConnections: number;
    queueMax: number;
    queueTimeoutMs: number;
    maxFails: number;
    failTimeoutMs: number;
    maxIdle: number;
    minIdle: number;
    maxRequestsPerConnection: number;
    maxLifetimeMs: number;
    routing: WorkerRouting;
    retries: number;
    replayMaxBodyBytes: number;
    tls: UpstreamTlsConfig;
    balance: BalanceMethod;
    /** One per upstream, in the order of `upstreams` (all 1 unless ATOM_UPSTREAM_WEIGHTS says otherwise). */
    weights: number[];
    /** A client connection's next atom goes to the upstream its previous one used, when that one is available. */
    preferLast: boolean;
    healthCheck: HealthCheckConfig | null;
  };
}

/** Active health checks (ATOM_HEALTH_CHECK_*): one GET per upstream and interval, for the whole process. */
export interface HealthCheckConfig {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  /** Passed checks in a row that bring a failed upstream back. */
  rise: number;
  /** Failed checks in a row that take an upstream out. */
  fall: number;
}

/** Client-side TLS: PEM files, checked at start (src/main/config-files.ts), read again by every thread. */
export interface ClientTlsConfig {
  port: number;
  /** Certificate and key files, pairwise; the first pair answers clients whose SNI names no other. */
  certFiles: string[];
  keyFiles: string[];
}

/** How `https://` upstreams are reached. */
export interface UpstreamTlsConfig {
  /** Server name sent and verified instead of each URL's host; null: the URL's host. */
  servername: string | null;
  /** Trusted beside Node's default CAs. */
  caFile: string | null;
  verify: boolean;
  /** A client certificate for upstreams that ask for one. */
  certFile: string | null;
  keyFile: string | null;
}

type Parse<T> = (raw: string) => T;

/** Every variable atomproxy reads: name, default (as the operator would write it), parser. */
interface Variable<T> {
  name: string;
  fallback: string;
  parse: Parse<T>;
  /** Its value is never printed, not even in the error that refuses it. */
  secret?: true;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(min: number, max: number): Parse<number> {
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new Error(`an integer from ${min} to ${max}`);
    }
    return value;
  };
}

function oneOf<T extends string>(choices: readonly T[]): Parse<T> {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw)) throw new Error(`one of ${choices.join(', ')}`);
    return raw as T;
  };
}

const hostName: Parse<string> = (raw) => {
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(raw)) throw new Error('an IP address or host name');
  return raw;
};

const upstreamList: Parse<string[]> = (raw) => {
  const expected = 'comma-separated http://host:port or https://host:port URLs without a path';
  if (raw.trim() === '') return [];
  return raw.split(',').map((entry) => {
    let url: URL;
    try {
      url = new URL(entry.trim());
    } catch {
      throw new Error(expected);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
      throw new Error(expected);
    }
    return url.origin;
  });
};

/** Comma-separated file paths; empty: none. Whether they read as PEM is checked at start (config-files.ts). */
const fileList: Parse<string[]> = (raw) => {
  if (raw.trim() === '') return [];
  const files = raw.split(',').map((entry) => entry.trim());
  if (files.some((file) => file === '')) throw new Error('comma-separated file paths');
  return files;
};

const optionalFile: Parse<string | null> = (raw) => (raw.trim() === '' ? null : raw.trim());

const optionalHostName: Parse<string | null> = (raw) => (raw === '' ? null : hostName(raw));

/** Empty: off. */
const optionalPort: Parse<number | null> = (raw) => (raw === '' ? null : integer(0, 65535)(raw));

/** Comma-separated weights; empty: every upstream weighs 1. */
const weightList: Parse<number[]> = (raw) => (raw.trim() === '' ? [] : raw.split(',').map((entry) => integer(1, 1000)(entry.trim())));

/** Comma-separated `ip` or `ip:port` (IPv6 as `[ip]:port`); empty: the system resolver. */
const resolverList: Parse<string[]> = (raw) => {
  if (raw.trim() === '') return [];
  return raw.split(',').map((entry) => {
    const resolver = entry.trim();
    const parts = /^(?:\[([^\]]+)\]|([^:]+))(?::\d{1,5})?$/.exec(resolver);
    const host = isIP(resolver) === 6 ? resolver : parts?.[1] ?? parts?.[2] ?? '';
    if (isIP(host) === 0) throw new Error('comma-separated IP addresses, each with an optional :port');
    return resolver;
  });
};

/** Empty: off; else an absolute path, as sent in the request line. */
const optionalPath: Parse<string | null> = (raw) => {
  if (raw === '') return null;
  if (!/^\/[\x21-\x7e]*$/.test(raw)) throw new Error('a path starting with / (printable characters, no spaces)');
  return raw;
};

/** Empty: none. Long enough that guessing it is not an option, and printable so it fits in a header. */
const adminToken: Parse<string | null> = (raw) => {
  if (raw === '') return null;
  if (!/^[\x21-\x7e]{16,}$/.test(raw)) throw new Error('at least 16 printable characters without spaces');
  return raw;
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/;

/** 'stdout', 'off' (null), or a file path (opened for appending at start: config-files.ts). */
const accessLogTarget: Parse<string | null> = (raw) => (raw === 'off' ? null : raw.trim());

const MS_MAX = 24 * 3600 * 1000;
const defaultWorkers = Math.min(64, availableParallelism());

export const VARIABLES = {
  host: { name: 'ATOM_HOST', fallback: '127.0.0.1', parse: hostName },
  port: { name: 'ATOM_PORT', fallback: '8080', parse: integer(0, 65535) },
  upstreams: { name: 'ATOM_UPSTREAMS', fallback: '', parse: upstreamList },
  workers: { name: 'ATOM_WORKERS', fallback: String(defaultWorkers), parse: integer(1, 64) },
  acceptor: { name: 'ATOM_ACCEPTOR', fallback: 'node', parse: oneOf(['node', 'uws'] as const) },
  logLevel: { name: 'ATOM_LOG_LEVEL', fallback: 'info', parse: oneOf(LOG_LEVELS) },
  accessLog: { name: 'ATOM_ACCESS_LOG', fallback: 'stdout', parse: accessLogTarget },
  clientIdleTimeoutMs: { name: 'ATOM_CLIENT_IDLE_TIMEOUT_MS', fallback: '75000', parse: integer(1, MS_MAX) },
  clientHeaderTimeoutMs: { name: 'ATOM_CLIENT_HEADER_TIMEOUT_MS', fallback: '10000', parse: integer(1, MS_MAX) },
  clientMaxRequests: { name: 'ATOM_CLIENT_MAX_REQUESTS', fallback: '0', parse: integer(0, 2 ** 31 - 1) },
  clientMaxLifetimeMs: { name: 'ATOM_CLIENT_MAX_LIFETIME_MS', fallback: '0', parse: integer(0, MS_MAX) },
  maxHeaderBytes: { name: 'ATOM_MAX_HEADER_BYTES', fallback: '16384', parse: integer(1024, 1024 * 1024) },
  maxHeaderFields: { name: 'ATOM_MAX_HEADER_FIELDS', fallback: '100', parse: integer(1, 10000) },
  maxBodyBytes: { name: 'ATOM_MAX_BODY_BYTES', fallback: '0', parse: integer(0, Number.MAX_SAFE_INTEGER) },
  upstreamConnectTimeoutMs: { name: 'ATOM_UPSTREAM_CONNECT_TIMEOUT_MS', fallback: '5000', parse: integer(1, MS_MAX) },
  upstreamIdleTimeoutMs: { name: 'ATOM_UPSTREAM_IDLE_TIMEOUT_MS', fallback: '4000', parse: integer(1, MS_MAX) },
  responseTimeoutMs: { name: 'ATOM_RESPONSE_TIMEOUT_MS', fallback: '60000', parse: integer(1, MS_MAX) },
  upstreamMaxConns: { name: 'ATOM_UPSTREAM_MAX_CONNS', fallback: '64', parse: integer(0, 100000) },
  queueMax: { name: 'ATOM_QUEUE_MAX', fallback: '1024', parse: integer(0, 1000000) },
  queueTimeoutMs: { name: 'ATOM_QUEUE_TIMEOUT_MS', fallback: '10000', parse: integer(1, MS_MAX) },
  upstreamMaxFails: { name: 'ATOM_UPSTREAM_MAX_FAILS', fallback: '1', parse: integer(0, 1000) },
  upstreamFailTimeoutMs: { name: 'ATOM_UPSTREAM_FAIL_TIMEOUT_MS', fallback: '10000', parse: integer(1, MS_MAX) },
  upstreamMaxIdle: { name: 'ATOM_UPSTREAM_MAX_IDLE', fallback: '0', parse: integer(0, 100000) },
  upstreamMinIdle: { name: 'ATOM_UPSTREAM_MIN_IDLE', fallback: '0', parse: integer(0, 100000) },
  upstreamMaxRequests: { name: 'ATOM_UPSTREAM_MAX_REQUESTS', fallback: '0', parse: integer(0, 2 ** 31 - 1) },
  upstreamMaxLifetimeMs: { name: 'ATOM_UPSTREAM_MAX_LIFETIME_MS', fallback: '3600000', parse: integer(0, MS_MAX) },
  workerRouting: { name: 'ATOM_WORKER_ROUTING', fallback: 'reuse-first', parse: oneOf(['reuse-first', 'local-first'] as const) },
  upstreamRetries: { name: 'ATOM_UPSTREAM_RETRIES', fallback: '2', parse: integer(0, 10) },
  replayMaxBodyBytes: { name: 'ATOM_REPLAY_MAX_BODY_BYTES', fallback: '65536', parse: integer(0, 16 * 1024 * 1024) },
  upstreamKeepAlive: { name: 'ATOM_UPSTREAM_KEEPALIVE', fallback: '1', parse: oneOf(['0', '1'] as const) },
  balance: { name: 'ATOM_BALANCE', fallback: 'round-robin', parse: oneOf(BALANCE_METHODS) },
  upstreamWeights: { name: 'ATOM_UPSTREAM_WEIGHTS', fallback: '', parse: weightList },
  upstreamSlots: { name: 'ATOM_UPSTREAM_SLOTS', fallback: '4', parse: integer(1, 64) },
  dnsRefreshMs: { name: 'ATOM_DNS_REFRESH_MS', fallback: '10000', parse: integer(100, MS_MAX) },
  dnsServers: { name: 'ATOM_DNS_SERVERS', fallback: '', parse: resolverList },
  preferLastUpstream: { name: 'ATOM_PREFER_LAST_UPSTREAM', fallback: '0', parse: oneOf(['0', '1'] as const) },
  healthCheckPath: { name: 'ATOM_HEALTH_CHECK_PATH', fallback: '', parse: optionalPath },
  healthCheckIntervalMs: { name: 'ATOM_HEALTH_CHECK_INTERVAL_MS', fallback: '2000', parse: integer(10, MS_MAX) },
  healthCheckTimeoutMs: { name: 'ATOM_HEALTH_CHECK_TIMEOUT_MS', fallback: '1000', parse: integer(1, MS_MAX) },
  healthCheckRise: { name: 'ATOM_HEALTH_CHECK_RISE', fallback: '2', parse: integer(1, 100) },
  healthCheckFall: { name: 'ATOM_HEALTH_CHECK_FALL', fallback: '3', parse: integer(1, 100) },
  tlsPort: { name: 'ATOM_TLS_PORT', fallback: '', parse: optionalPort },
  tlsCertFiles: { name: 'ATOM_TLS_CERT_FILE', fallback: '', parse: fileList },
  tlsKeyFiles: { name: 'ATOM_TLS_KEY_FILE', fallback: '', parse: fileList },
  upstreamSni: { name: 'ATOM_UPSTREAM_SNI', fallback: '', parse: optionalHostName },
  upstreamCaFile: { name: 'ATOM_UPSTREAM_CA_FILE', fallback: '', parse: optionalFile },
  upstreamTlsVerify: { name: 'ATOM_UPSTREAM_TLS_VERIFY', fallback: '1', parse: oneOf(['0', '1'] as const) },
  upstreamCertFile: { name: 'ATOM_UPSTREAM_CERT_FILE', fallback: '', parse: optionalFile },
  upstreamKeyFile: { name: 'ATOM_UPSTREAM_KEY_FILE', fallback: '', parse: optionalFile },
  adminHost: { name: 'ATOM_ADMIN_HOST', fallback: '127.0.0.1', parse: hostName },
  adminPort: { name: 'ATOM_ADMIN_PORT', fallback: '9901', parse: integer(0, 65535) },
  adminToken: { name: 'ATOM_ADMIN_TOKEN', fallback: '', parse: adminToken, secret: true },
  adminAllowKill: { name: 'ATOM_ADMIN_ALLOW_KILL', fallback: '0', parse: oneOf(['0', '1'] as const) },
} satisfies Record<string, Variable<unknown>>;

/**
 * Client-side settings that uWebSockets.js fixes itself (10 s idle/header timeout) or cannot honour (it exposes
 * no per-connection identity: not even the client's port).
 */
const UWS_UNSUPPORTED: Array<Variable<unknown>> = [
  VARIABLES.clientIdleTimeoutMs,
  VARIABLES.clientHeaderTimeoutMs,
  VARIABLES.clientMaxRequests,
  VARIABLES.clientMaxLifetimeMs,
  VARIABLES.preferLastUpstream,
];

/** The pool limits must leave room for each other: warm connections count against both caps. */
function checkPoolLimits({ minIdle, maxIdle, maxConnections }: Config['upstream']): void {
  const v = VARIABLES;
  if (maxConnections > 0 && minIdle > maxConnections) {
    throw new ConfigError(`${v.upstreamMinIdle.name}=${minIdle} is not allowed: expected at most ${v.upstreamMaxConns.name} (${maxConnections})`);
  }
  if (maxIdle > 0 && minIdle > maxIdle) {
    throw new ConfigError(`${v.upstreamMinIdle.name}=${minIdle} is not allowed: expected at most ${v.upstreamMaxIdle.name} (${maxIdle})`);
  }
}

/** An admin listener other machines can reach must ask for a token: it shows the pool and may run the kill drill. */
function checkAdminAccess(admin: Config['admin']): void {
  const v = VARIABLES;
  if (admin.port !== 0 && admin.token === null && !LOOPBACK.test(admin.host)) {
    throw new ConfigError(`${v.adminHost.name}=${admin.host} needs ${v.adminToken.name}: an admin listener off loopback must ask for a token (or set ${v.adminPort.name}=0)`);
  }
}

/** ATOM_TLS_PORT needs pairs of certificate and key files, and the files need the port. */
function clientTls(env: NodeJS.ProcessEnv): ClientTlsConfig | null {
  const v = VARIABLES;
  const port = read(env, v.tlsPort);
  const certFiles = read(env, v.tlsCertFiles);
  const keyFiles = read(env, v.tlsKeyFiles);
  if (port === null) {
    if (certFiles.length || keyFiles.length) throw new ConfigError(`${certFiles.length ? v.tlsCertFiles.name : v.tlsKeyFiles.name} is set but ${v.tlsPort.name} is not: set the port of the TLS listener`);
    return null;
  }
  if (certFiles.length === 0) throw new ConfigError(`${v.tlsPort.name}=${port} needs ${v.tlsCertFiles.name} and ${v.tlsKeyFiles.name} (PEM files)`);
  if (certFiles.length !== keyFiles.length) {
    throw new ConfigError(`${v.tlsKeyFiles.name} lists ${keyFiles.length} file(s) and ${v.tlsCertFiles.name} ${certFiles.length}: expected one key per certificate, in the same order`);
  }
  return { port, certFiles, keyFiles };
}

/** A client certificate needs its key and the key its certificate. */
function upstreamTls(env: NodeJS.ProcessEnv): UpstreamTlsConfig {
  const v = VARIABLES;
  const certFile = read(env, v.upstreamCertFile);
  const keyFile = read(env, v.upstreamKeyFile);
  if ((certFile === null) !== (keyFile === null)) {
    throw new ConfigError(`${certFile === null ? v.upstreamKeyFile.name : v.upstreamCertFile.name} is set without ${certFile === null ? v.upstreamCertFile.name : v.upstreamKeyFile.name}: set both, or neither`);
  }
  return { servername: read(env, v.upstreamSni), caFile: read(env, v.upstreamCaFile), verify: read(env, v.upstreamTlsVerify) === '1', certFile, keyFile };
}

/** ATOM_UPSTREAM_WEIGHTS, when set, names one weight per upstream. */
function upstreamWeights(env: NodeJS.ProcessEnv, upstreams: string[]): number[] {
  const v = VARIABLES;
  const weights = read(env, v.upstreamWeights);
  if (weights.length === 0) return upstreams.map(() => 1);
  if (weights.length !== upstreams.length) {
    throw new ConfigError(`${v.upstreamWeights.name} lists ${weights.length} weight(s) and ${v.upstreams.name} ${upstreams.length} upstream(s): expected one weight per upstream, in the same order`);
  }
  return weights;
}

/**
 * ATOM_UPSTREAM_KEEPALIVE=0 is server-close mode: one request per upstream connection, which says
 * `Connection: close`; ATOM_UPSTREAM_MAX_REQUESTS=1 in other words, so the two must not disagree.
 */
function maxRequestsPerConnection(env: NodeJS.ProcessEnv): number {
  const v = VARIABLES;
  const maxRequests = read(env, v.upstreamMaxRequests);
  if (read(env, v.upstreamKeepAlive) === '1') return maxRequests;
  if (maxRequests > 1) throw new ConfigError(`${v.upstreamMaxRequests.name}=${maxRequests} is not allowed with ${v.upstreamKeepAlive.name}=0: that mode sends one request per connection`);
  return 1;
}

function healthCheck(env: NodeJS.ProcessEnv): HealthCheckConfig | null {
  const v = VARIABLES;
  const path = read(env, v.healthCheckPath);
  const intervalMs = read(env, v.healthCheckIntervalMs);
  // Unset, the timeout is 1 s or the interval when that is shorter.
  const timeoutMs = env[v.healthCheckTimeoutMs.name] ? read(env, v.healthCheckTimeoutMs) : Math.min(read(env, v.healthCheckTimeoutMs), intervalMs);
  if (path === null) return null;
  if (timeoutMs > intervalMs) throw new ConfigError(`${v.healthCheckTimeoutMs.name}=${timeoutMs} is not allowed: expected at most ${v.healthCheckIntervalMs.name} (${intervalMs})`);
  return { path, intervalMs, timeoutMs, rise: read(env, v.healthCheckRise), fall: read(env, v.healthCheckFall) };
}

/**
 * ATOM_WORKERS defaults to the cores, but to 1 where only one thread can listen on the shared port (node:http
 * without listen({ reusePort })): more threads would only run the atoms that hop to them.
 */
function workersVariable(acceptor: AcceptorEngine): Variable<number> {
  const oneAcceptor = acceptor === 'node' && nodeReusePortRefusal() !== null;
  return oneAcceptor ? { ...VARIABLES.workers, fallback: '1' } : VARIABLES.workers;
}

/** An empty variable counts as unset, as container environments often pass them. */
function read<T>(env: NodeJS.ProcessEnv, variable: Variable<T>): T {
  const raw = env[variable.name] || variable.fallback;
  try {
    return variable.parse(raw);
  } catch (error) {
    const shown = variable.secret ? `(${raw.length} characters, not shown)` : JSON.stringify(raw);
    throw new ConfigError(`${variable.name}=${shown} is not allowed: expected ${(error as Error).message}`);
  }
}

/** Reads and validates every ATOM_* variable; throws ConfigError on the first bad or unknown one. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const known = new Set(Object.values(VARIABLES).map((variable) => variable.name));
  const unknown = Object.keys(env).find((name) => name.startsWith('ATOM_') && !known.has(name));
  if (unknown) throw new ConfigError(`${unknown} is not a known variable (see docs/configuration.md)`);

  const v = VARIABLES;
  const acceptor = read(env, v.acceptor);
  const upstreams = read(env, v.upstreams);
  const weights = upstreamWeights(env, upstreams);
  const config: Config = {
    host: read(env, v.host),
    port: read(env, v.port),
    upstreams,
    servers: serverSlots(upstreams, weights, read(env, v.upstreamSlots)),
    dns: { refreshMs: read(env, v.dnsRefreshMs), resolvers: read(env, v.dnsServers) },
    tls: clientTls(env),
    workers: read(env, workersVariable(acceptor)),
    acceptor,
    logLevel: read(env, v.logLevel),
    accessLog: read(env, v.accessLog),
    admin: { host: read(env, v.adminHost), port: read(env, v.adminPort), token: read(env, v.adminToken), allowKill: read(env, v.adminAllowKill) === '1' },
    client: {
      idleTimeoutMs: read(env, v.clientIdleTimeoutMs),
      headerTimeoutMs: read(env, v.clientHeaderTimeoutMs),
      maxRequests: read(env, v.clientMaxRequests),
      maxLifetimeMs: read(env, v.clientMaxLifetimeMs),
      maxHeaderBytes: read(env, v.maxHeaderBytes),
      maxHeaderFields: read(env, v.maxHeaderFields),
      maxBodyBytes: read(env, v.maxBodyBytes),
    },
    upstream: {
      connectTimeoutMs: read(env, v.upstreamConnectTimeoutMs),
      idleTimeoutMs: read(env, v.upstreamIdleTimeoutMs),
      responseTimeoutMs: read(env, v.responseTimeoutMs),
      maxConnections: read(env, v.upstreamMaxConns),
      queueMax: read(env, v.queueMax),
      queueTimeoutMs: read(env, v.queueTimeoutMs),
      maxFails: read(env, v.upstreamMaxFails),
      failTimeoutMs: read(env, v.upstreamFailTimeoutMs),
      maxIdle: read(env, v.upstreamMaxIdle),
      minIdle: read(env, v.upstreamMinIdle),
      maxRequestsPerConnection: maxRequestsPerConnection(env),
      maxLifetimeMs: read(env, v.upstreamMaxLifetimeMs),
      routing: read(env, v.workerRouting),
      retries: read(env, v.upstreamRetries),
      replayMaxBodyBytes: read(env, v.replayMaxBodyBytes),
      tls: upstreamTls(env),
      balance: read(env, v.balance),
      weights,
      preferLast: read(env, v.preferLastUpstream) === '1',
      healthCheck: healthCheck(env),
    },
  };
  checkPoolLimits(config.upstream);
  checkAdminAccess(config.admin);
  if (config.acceptor === 'uws') {
    const unsupported = UWS_UNSUPPORTED.find((variable) => read(env, variable) !== read({}, variable));
    if (unsupported) {
      throw new ConfigError(
        `${unsupported.name}=${JSON.stringify(env[unsupported.name])} is not allowed with ATOM_ACCEPTOR=uws: ` +
          'uWebSockets.js cannot apply it (see docs/configuration.md); use ATOM_ACCEPTOR=node',
      );
    }
  }
  return config;
}
