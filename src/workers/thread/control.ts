import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../../main/config.js';
import type { EngineView } from '../client/acceptor.js';

/** The two ports a pair of threads talks over: atoms this thread routes there, and atoms it runs for there. */
export interface PeerPorts {
  /** This thread's router sends ToExecutor batches here and receives ToAcceptor batches. */
  routes: MessagePort;
  /** This thread's executor receives ToExecutor batches here and sends ToAcceptor batches. */
  runs: MessagePort;
}

/** What a worker thread is given when it starts: everything plain data or transferable. */
export interface ThreadAttachment {
  slot: number;
  config: Config;
  indexBuffer: SharedArrayBuffer;
  /** The AtomStats every thread counts into (src/pool/atom-stats.ts). */
  statsBuffer: SharedArrayBuffer;
  /** Per server (config.servers), the origin of its address now; null for a DNS slot without one. */
  origins: Array<string | null>;
  /** The supervisor's end is in the main thread; ControlMessage and ThreadReport travel on it. */
  control: MessagePort;
  /** By peer slot; no entry for this thread itself. */
  peers: Record<number, PeerPorts>;
  /** TLS session-ticket keys, the same in every thread (see ServerTls); kept out of `config`, which is logged. */
  ticketKeys: Uint8Array;
}

/** Main thread → worker thread. */
export type ControlMessage =
  /**
   * Listen on the client ports: ATOM_PORT, then ATOM_TLS_PORT when set. `shared` asks for SO_REUSEPORT (every
   * thread listens on the same ports).
   */
  | { k: 'listen'; host: string; ports: number[]; shared: boolean }
  /** Another thread was replaced: the ports to its replacement. */
  | { k: 'peer'; slot: number; ports: PeerPorts }
  /** Another thread died: replay or fail what was sent there, cancel what it sent here. */
  | { k: 'lost'; slot: number; why: string }
  /** Stop accepting; say `drained` once no atom of this thread's clients is under way. */
  | { k: 'drain' }
  /** The upstream failed its health checks, or DNS stopped naming it: close this thread's idle connections to it. */
  | { k: 'closeIdle'; upstream: number }
  /** DNS gave a server slot an address (its origin) or took it away (null, once drained): say `serverSet`. */
  | { k: 'server'; server: number; origin: string | null }
  /** Close everything (every thread has drained, or the grace ran out) and end the thread's task. */
  | { k: 'stop' }
  /** The admin drill: die exactly as an uncaught error would make the thread die. */
  | { k: 'crash' };

/** Worker thread → main thread. */
export type ThreadReport =
  | { k: 'ready'; engine: EngineView }
  /** The bound ports, in the order they were asked for. */
  | { k: 'listening'; ports: number[] }
  | { k: 'listenFailed'; message: string }
  | { k: 'drained' }
  /** This thread now holds the pool for the server's new address (or dropped it). */
  | { k: 'serverSet'; server: number };
