import type { Logger } from 'pino';
import { Upstream, type PoolIndex } from '../pool/pool-index.js';
import { http, https } from '../shared/node-http.js';
import { upstreamTlsOptions, type UpstreamTlsOptions } from '../shared/upstream-tls-options.js';
import type { HealthCheckConfig, UpstreamTlsConfig } from './config.js';
import type { Fleet } from './server-discovery.js';
import { hostOf } from '../shared/url-host.js';

/** One upstream's run of results: how many passes or failures in a row, and whether checks hold it out. */
interface CheckState {
  /** The address these results are about: a DNS slot that gets another one starts afresh. */
  origin: string | null;
  passes: number;
  failures: number;
  failed: boolean;
  timer: NodeJS.Timeout | null;
}

/**
 * Active health checks, as HAProxy's `check inter … rise … fall …`: the main thread sends one `GET <path>` per
 * upstream and interval, on a new connection each time (so a check never takes a pooled connection from an
 * atom), for the whole process rather than once per thread. A 2xx or 3xx answer within the timeout passes.
 * After `fall` failures in a row the upstream's CHECK_FAILED flag in the pool index takes it out of every
 * thread's rotation and `onFailed` lets the threads close their idle connections to it; after `rise` passes in a
 * row it is back. Upstreams start in rotation, as HAProxy's servers do. Passive health goes on beside it.
 */
export class HealthChecks {
  private readonly states: CheckState[];
  /** Per upstream, the TLS options of an `https://` one (its files read once), else null. */
  private readonly tlsOptions: Array<Omit<UpstreamTlsOptions, 'name'> | null>;
  private stopped = false;

  constructor(
    private readonly config: HealthCheckConfig,
    private readonly fleet: Fleet,
    tls: UpstreamTlsConfig,
    private readonly index: PoolIndex,
    private readonly log: Logger,
    private readonly onFailed: (upstream: number) => void,
  ) {
    this.states = fleet.servers.map(() => ({ origin: null, passes: 0, failures: 0, failed: false, timer: null }));
    // The name verified is the configured upstream's host, whichever address DNS gave.
    this.tlsOptions = fleet.servers.map(({ upstream }) => {
      if (!upstream.startsWith('https:')) return null;
      const { name: _verifiedAgainst, ...options } = upstreamTlsOptions(upstream, tls);
      return options;
    });
    fleet.servers.forEach((_, server) => this.schedule(server, 0));
  }

  stop(): void {
    this.stopped = true;
    for (const state of this.states) if (state.timer) clearTimeout(state.timer);
  }

  private schedule(upstream: number, delayMs: number): void {
    if (this.stopped) return;
    // Unref'd: checks never hold the process open on their own.
    this.states[upstream]!.timer = setTimeout(() => void this.check(upstream), delayMs).unref();
  }

  private async check(server: number): Promise<void> {
    const started = performance.now();
    const origin = this.fleet.originOf(server);
    const state = this.states[server]!;
    if (origin !== state.origin) Object.assign(state, { origin, passes: 0, failures: 0 });
    // DNS clears the flag when it gives the slot an address, the same one again included.
    state.failed = this.index.total(server, Upstream.CHECK_FAILED) === 1;
    if (origin !== null) {
      const failure = await this.probe(server, origin);
      if (this.stopped) return;
      if (this.fleet.originOf(server) === origin) this.record(server, failure);
    }
    this.schedule(server, Math.max(0, this.config.intervalMs - (performance.now() - started)));
  }

  private record(upstream: number, failure: string | null): void {
    const state = this.states[upstream]!;
    const { rise, fall } = this.config;
    const url = this.fleet.servers[upstream]!.key;
    if (failure === null) {
      state.failures = 0;
      state.passes++;
      if (state.failed && state.passes >= rise) {
        state.failed = false;
        this.index.setTotal(upstream, Upstream.CHECK_FAILED, 0);
        this.log.info({ upstream: url, passes: state.passes }, 'upstream passed its health checks: back in rotation');
      }
      return;
    }
    state.passes = 0;
    state.failures++;
    if (!state.failed && state.failures >= fall) {
      state.failed = true;
      this.index.setTotal(upstream, Upstream.CHECK_FAILED, 1);
      this.log.warn({ upstream: url, failures: state.failures, cause: failure }, 'upstream failed its health checks: out of rotation');
      this.onFailed(upstream);
    }
  }

  /** One check: null when it passed, else why it failed. */
  private probe(server: number, origin: string): Promise<string | null> {
    const { path, timeoutMs } = this.config;
    const url = new URL(origin);
    const tlsOptions = this.tlsOptions[server];
    return new Promise((resolve) => {
      const request = (tlsOptions ? https : http).request({
        host: hostOf(url),
        port: url.port || (tlsOptions ? 443 : 80),
        path,
        method: 'GET',
        agent: false,
        headers: { host: new URL(this.fleet.servers[server]!.upstream).host, 'user-agent': 'atomproxy-health-check', connection: 'close' },
        signal: AbortSignal.timeout(timeoutMs),
        ...(tlsOptions ?? {}),
      });
      request.on('response', (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        response.on('end', () => resolve(status >= 200 && status < 400 ? null : `answered ${status}`));
        response.on('error', (error) => resolve(error.message));
      });
      request.on('error', (error) => resolve(error.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : error.message));
      request.end();
    });
  }
}
