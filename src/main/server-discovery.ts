import { promises as dns } from 'node:dns';
import type { Logger } from 'pino';
import { ServerState, Upstream, type PoolIndex } from '../pool/pool-index.js';
import { originAt, type ServerSlot } from '../pool/server-slots.js';
import type { Config } from './config.js';
import { hostOf } from '../shared/url-host.js';

/** The servers and where each one is now: what the admin view and the health checks read. */
export interface Fleet {
  readonly servers: readonly ServerSlot[];
  /** The origin of the server's address; null for a DNS slot without one. */
  originOf(server: number): string | null;
}

/** What the threads must be told when a slot changes (ThreadSupervisor). */
export interface ServerUpdates {
  setServer(server: number, origin: string | null): Promise<void>;
  closeIdle(server: number): void;
}

/** A name is resolved again no sooner than this, whatever its records' TTL. */
const MIN_REFRESH_MS = 1000;
/** How often draining servers are looked at, to free their slot once their last atom is over. */
const DRAIN_POLL_MS = 250;
const RESOLVE_TIMEOUT_MS = 2000;

/** One upstream given by a host name, and the servers (index entries) its addresses go into. */
interface Name {
  upstream: string;
  host: string;
  servers: number[];
  timer: NodeJS.Timeout | null;
  /** Addresses already said to have no free slot, so that is logged once. */
  unplaced: Set<string>;
  /** The last good answer: what a slot freed by a drain is filled from. */
  answer: string[];
}

/**
 * DNS-discovered upstreams, as HAProxy's `server-template` with `resolvers`: each host name is resolved at start
 * and again every ATOM_DNS_REFRESH_MS (sooner when the records' TTL is shorter), from the main thread, once for
 * the whole process. A new address fills an empty slot: every thread builds a pool for it, then the slot takes
 * traffic. An address DNS no longer names is drained: out of rotation at once, its idle connections closed, its
 * busy ones let finish; once none is left its slot is free again. A failed or empty answer keeps the last good
 * one and is logged.
 */
export class ServerDiscovery implements Fleet {
  readonly servers: readonly ServerSlot[];
  private readonly origins: Array<string | null>;
  private readonly names: Name[] = [];
  private readonly resolver: InstanceType<typeof dns.Resolver> | null;
  private readonly draining = new Set<number>();
  private drainTimer: NodeJS.Timeout | null = null;
  private updates: ServerUpdates | null = null;
  private stopped = false;
  private readonly refreshMs: number;

  constructor(
    config: Pick<Config, 'servers' | 'dns'>,
    private readonly index: PoolIndex,
    private readonly log: Logger,
  ) {
    this.servers = config.servers;
    this.refreshMs = config.dns.refreshMs;
    this.origins = config.servers.map((server) => server.fixedOrigin);
    config.servers.forEach((server, at) => {
      if (server.fixedOrigin) return;
      index.setTotal(at, Upstream.STATE, ServerState.EMPTY);
      let name = this.names.find((known) => known.upstream === server.upstream);
      if (!name) {
        name = { upstream: server.upstream, host: new URL(server.upstream).hostname, servers: [], timer: null, unplaced: new Set(), answer: [] };
        this.names.push(name);
      }
      name.servers.push(at);
    });
    this.resolver = config.dns.resolvers.length > 0 ? new dns.Resolver({ timeout: RESOLVE_TIMEOUT_MS, tries: 2 }) : null;
    this.resolver?.setServers(config.dns.resolvers);
  }

  originOf(server: number): string | null {
    return this.origins[server] ?? null;
  }

  /** Every server's origin now, for the threads about to start. */
  snapshot(): Array<string | null> {
    return [...this.origins];
  }

  /**
   * Resolves every name once, before the threads start, so they start with the addresses. A name that does not
   * resolve starts with no server (HAProxy's `init-addr none`) and is tried again on schedule.
   */
  async resolveAtStart(): Promise<void> {
    await Promise.all(
      this.names.map(async (name) => {
        const answer = await this.resolve(name);
        if (answer) name.answer = answer.addresses;
        await this.placeMissing(name);
      }),
    );
  }

  /** Keeps resolving, handing every change to the threads through `updates`. */
  start(updates: ServerUpdates): void {
    this.updates = updates;
    for (const name of this.names) this.schedule(name, this.refreshMs);
  }

  stop(): void {
    this.stopped = true;
    for (const name of this.names) if (name.timer) clearTimeout(name.timer);
    if (this.drainTimer) clearInterval(this.drainTimer);
  }

  private schedule(name: Name, delayMs: number): void {
    if (this.stopped) return;
    name.timer = setTimeout(() => void this.refresh(name), delayMs).unref();
  }

  private async refresh(name: Name): Promise<void> {
    const answer = await this.resolve(name);
    if (this.stopped) return;
    if (answer) await this.apply(name, answer.addresses);
    const ttlMs = answer?.ttlSeconds === undefined ? this.refreshMs : answer.ttlSeconds * 1000;
    this.schedule(name, Math.min(this.refreshMs, Math.max(MIN_REFRESH_MS, ttlMs)));
  }

  /** The name's addresses and their shortest TTL (none from the system resolver); null, logged, when it failed. */
  private async resolve(name: Name): Promise<{ addresses: string[]; ttlSeconds?: number } | null> {
    try {
      if (!this.resolver) {
        const found = await dns.lookup(name.host, { all: true });
        const addresses = [...new Set(found.map((entry) => entry.address))];
        if (addresses.length === 0) throw new Error('no addresses');
        return { addresses };
      }
      const answers = await Promise.allSettled([this.resolver.resolve4(name.host, { ttl: true }), this.resolver.resolve6(name.host, { ttl: true })]);
      const records = answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : []));
      if (records.length === 0) {
        const failure = answers.find((answer) => answer.status === 'rejected');
        throw failure ? (failure.reason as Error) : new Error('no A or AAAA records');
      }
      return { addresses: [...new Set(records.map((record) => record.address))], ttlSeconds: Math.min(...records.map((record) => record.ttl)) };
    } catch (error) {
      this.log.warn({ upstream: name.upstream, cause: (error as Error).message }, 'DNS resolution failed: keeping the last answer');
      return null;
    }
  }

  /** Drains the servers whose address is gone, brings back draining ones named again, places new addresses. */
  private async apply(name: Name, addresses: string[]): Promise<void> {
    name.answer = addresses;
    const wanted = new Set(addresses);
    const placed = new Map<string, number>();
    for (const server of name.servers) {
      const origin = this.origins[server];
      if (origin) placed.set(hostOf(origin), server);
    }
    for (const [address, server] of placed) {
      const state = this.index.total(server, Upstream.STATE);
      if (!wanted.has(address) && state === ServerState.ACTIVE) this.drain(server, address);
      else if (wanted.has(address) && state === ServerState.DRAINING) {
        this.draining.delete(server);
        this.index.setTotal(server, Upstream.STATE, ServerState.ACTIVE);
        this.log.info({ server: this.servers[server]!.key, address }, 'upstream server named again by DNS: back in rotation');
      }
    }
    await this.placeMissing(name);
  }

  /** Places the addresses of the name's last answer that no slot holds, while slots are free. */
  private async placeMissing(name: Name): Promise<void> {
    const held = new Set(name.servers.flatMap((server) => (this.origins[server] ? [hostOf(this.origins[server]!)] : [])));
    for (const address of name.answer) if (!held.has(address)) await this.place(name, address);
  }

  /** Puts a new address into a free slot; once threads run, every one gets its pool before it takes traffic. */
  private async place(name: Name, address: string): Promise<void> {
    const server = name.servers.find((candidate) => this.origins[candidate] === null);
    if (server === undefined) {
      if (!name.unplaced.has(address)) this.log.warn({ upstream: name.upstream, address, slots: name.servers.length }, 'DNS names more addresses than ATOM_UPSTREAM_SLOTS: this one is not used');
      name.unplaced.add(address);
      return;
    }
    name.unplaced.delete(address);
    const origin = originAt(name.upstream, address);
    this.origins[server] = origin;
    // A slot's health is its last address's: start afresh.
    for (const field of [Upstream.DOWN, Upstream.CONNECT_FAILURES, Upstream.CHECK_FAILED]) this.index.setTotal(server, field, 0);
    await this.updates?.setServer(server, origin);
    this.index.setTotal(server, Upstream.STATE, ServerState.ACTIVE);
    this.log.info({ server: this.servers[server]!.key, address, weight: this.servers[server]!.weight }, 'upstream server added');
  }

  private drain(server: number, address: string): void {
    this.index.setTotal(server, Upstream.STATE, ServerState.DRAINING);
    this.updates?.closeIdle(server);
    this.draining.add(server);
    this.log.info({ server: this.servers[server]!.key, address }, 'upstream server no longer named by DNS: draining');
    this.drainTimer ??= setInterval(() => void this.freeDrained(), DRAIN_POLL_MS).unref();
  }

  /** Frees the slots of draining servers with nothing left: no connection and no atom. */
  private async freeDrained(): Promise<void> {
    for (const server of [...this.draining]) {
      if (this.index.total(server, Upstream.CONNECTIONS) > 0 || this.index.total(server, Upstream.IN_FLIGHT) > 0) continue;
      this.draining.delete(server);
      const address = hostOf(this.origins[server]!);
      // Free at once: a new address may take the slot while the threads drop the old pool (they get both in order).
      this.origins[server] = null;
      this.index.setTotal(server, Upstream.STATE, ServerState.EMPTY);
      this.log.info({ server: this.servers[server]!.key, address }, 'upstream server drained: slot free');
      await this.updates?.setServer(server, null);
      // An address that found no free slot takes this one now rather than at the next answer.
      await this.placeMissing(this.names.find((name) => name.servers.includes(server))!);
    }
    if (this.draining.size === 0 && this.drainTimer) {
      clearInterval(this.drainTimer);
      this.drainTimer = null;
    }
  }
}
