import { Client } from 'undici';
import { Field, Health, type PoolIndex } from '../pool/pool-index.js';
import type { ExecutorSettings } from './executor-settings.js';

/**
 * One undici Client is one upstream TCP connection at a time (pipelining 1). A Client whose connection closed
 * stays usable: undici reconnects it on the next request, and the 'connect' event counts that as a new one.
 */
export class UpstreamConnection {
  connected = false;
  constructor(readonly client: Client) {}
}

/**
 * This worker's connections to one upstream. The idle ones form a stack so the most recently used (warmest)
 * connection serves the next atom and the coldest ones reach their idle timeout and close. Every change is
 * mirrored into the shared pool index, which is how the acceptor routes atoms to idle connections.
 */
export class UpstreamConnections {
  private readonly idle: UpstreamConnection[] = [];
  private readonly all: UpstreamConnection[] = [];

  constructor(
    private readonly origin: string,
    private readonly settings: ExecutorSettings,
    private readonly index: PoolIndex,
    private readonly upstream: number,
    private readonly slot: number,
  ) {}

  /** An idle open connection if there is one, else a closed one to reopen, else a new one. */
  acquire(): UpstreamConnection {
    let connection: UpstreamConnection | undefined;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      if (this.idle[i]!.connected) {
        connection = this.idle.splice(i, 1)[0];
        break;
      }
    }
    connection ??= this.idle.pop() ?? this.open();
    this.count(Field.BUSY, 1);
    this.count(Field.REQUESTS, 1);
    return connection;
  }

  release(connection: UpstreamConnection): void {
    this.count(Field.BUSY, -1);
    this.idle.push(connection);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((connection) => connection.client.destroy()));
  }

  private open(): UpstreamConnection {
    const { settings } = this;
    const client = new Client(this.origin, {
      pipelining: 1,
      connect: { timeout: settings.connectTimeoutMs },
      keepAliveTimeout: settings.idleTimeoutMs,
      keepAliveMaxTimeout: settings.idleTimeoutMs,
      // Close one second before the upstream's advertised Keep-Alive timeout, never after it.
      keepAliveTimeoutThreshold: 1000,
      headersTimeout: settings.responseTimeoutMs,
      bodyTimeout: settings.responseTimeoutMs,
    });
    const connection = new UpstreamConnection(client);
    client.on('connect', () => {
      connection.connected = true;
      this.count(Field.CONNECTED, 1);
      this.count(Field.OPENED, 1);
      this.index.setHealth(this.upstream, Health.CONNECT_FAILURES, 0);
    });
    client.on('connectionError', () => this.index.addHealth(this.upstream, Health.CONNECT_FAILURES, 1));
    client.on('disconnect', () => {
      if (!connection.connected) return;
      connection.connected = false;
      this.count(Field.CONNECTED, -1);
    });
    this.all.push(connection);
    return connection;
  }

  private count(field: number, delta: number): void {
    this.index.add(this.upstream, this.slot, field, delta);
  }
}
