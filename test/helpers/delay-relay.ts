import { once } from 'node:events';
import { createServer, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { closeAll } from './close-all.js';
import { delayDirection, type DelayedDirection } from './delayed-direction.js';

export interface DelayRelayOptions {
  /** Where every accepted connection is relayed to. */
  target: { host: string; port: number };
  /** One-way delay in ms: a round trip through the relay costs twice this. */
  delayMs: number;
  /** Bytes each direction of a connection may hold before it stops reading its sender (default 4 MiB). */
  maxHeldBytes?: number;
}

/** A WAN emulator on 127.0.0.1: a TCP relay that holds every byte `delayMs` in each direction. */
export interface DelayRelay {
  host: string;
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Bytes held now, every direction of every connection together. */
  readonly heldBytes: number;
  /** Connections with a side still open. */
  readonly open: number;
  /** Closes the listener and ends every connection on both sides, dropping what is still in flight. */
  close(): Promise<void>;
}

/** One accepted connection and the one it opened to the target. */
interface Link {
  directions: DelayedDirection[];
  sockets: Socket[];
  connectTimer: NodeJS.Timeout;
}

/** With a bandwidth-delay product of 4 MiB per 50 ms, bulk transfers are not what the emulated link limits. */
const DEFAULT_MAX_HELD_BYTES = 4 * 2 ** 20;

/**
 * The client's own connect completes at once on loopback, so the relay plays TCP's handshake on the link: the
 * target sees the connection one delay later (the SYN), and nothing the client sends reaches it before three delays
 * (SYN, SYN-ACK, then the first data), as on a real link where the client may send only once its SYN was answered.
 */
function openLink(client: Socket, { target, delayMs, maxHeldBytes = DEFAULT_MAX_HELD_BYTES }: DelayRelayOptions): Link {
  const accepted = performance.now();
  const upstream = new Socket({ allowHalfOpen: true });
  client.setNoDelay(true);
  const connectTimer = setTimeout(() => upstream.connect(target.port, target.host, () => upstream.setNoDelay(true)), delayMs);
  return {
    directions: [
      delayDirection(client, upstream, { delayMs, notBefore: accepted + 3 * delayMs, maxHeldBytes }),
      delayDirection(upstream, client, { delayMs, notBefore: accepted, maxHeldBytes }),
    ],
    sockets: [client, upstream],
    connectTimer,
  };
}

export async function startDelayRelay(options: DelayRelayOptions): Promise<DelayRelay> {
  const links = new Set<Link>();
  let connections = 0;
  const server = createServer({ allowHalfOpen: true }, (client) => {
    connections++;
    const link = openLink(client, options);
    links.add(link);
    let unclosed = link.sockets.length;
    for (const socket of link.sockets) {
      socket.once('close', () => {
        if (--unclosed === 0) links.delete(link);
      });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    host: '127.0.0.1',
    port,
    get connections() {
      return connections;
    },
    get heldBytes() {
      let held = 0;
      for (const link of links) for (const direction of link.directions) held += direction.heldBytes;
      return held;
    },
    get open() {
      return links.size;
    },
    close() {
      const sockets: Socket[] = [];
      for (const link of links) {
        clearTimeout(link.connectTimer);
        for (const direction of link.directions) direction.stop();
        sockets.push(...link.sockets);
      }
      return closeAll(server, sockets);
    },
  };
}
