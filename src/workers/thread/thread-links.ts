import type { MessagePort } from 'node:worker_threads';
import { LocalLink, PortLink, receiveBatches, type Link } from '../../atom/link.js';
import type { ToAcceptor, ToExecutor } from '../../atom/messages.js';
import type { Executors } from '../router/forwarder.js';
import { Executor } from '../upstream/executor.js';
import type { UpstreamConnections } from '../upstream/upstream-connections.js';
import type { PeerPorts } from './control.js';

/** Where a message to a lost thread goes until its replacement is linked: nowhere (its atoms are replayed). */
const NOWHERE: Link<ToExecutor> = { send() {}, sendChunk() {} };

/**
 * One thread's links: to its own executor in-thread (no copy, no hop), and to every other thread over a pair of
 * MessagePorts, one per direction of routing. Each router that sends atoms here gets an executor of its own
 * (atom ids are unique per router), all sharing this thread's upstream connections.
 */
export class ThreadLinks implements Executors {
  private readonly routes: Array<Link<ToExecutor> | null>;
  private readonly ports = new Map<number, PeerPorts>();
  private readonly executors = new Map<number, Executor>();

  constructor(
    here: number,
    slots: number,
    private readonly pools: ReadonlyArray<UpstreamConnections | null>,
    private readonly deliver: (message: ToAcceptor) => void,
    peers: Record<number, PeerPorts>,
  ) {
    this.routes = new Array<Link<ToExecutor> | null>(slots).fill(null);
    const local = new Executor(new LocalLink<ToAcceptor>(deliver), pools);
    this.executors.set(here, local);
    this.routes[here] = new LocalLink<ToExecutor>(local.receive);
    for (const [slot, ports] of Object.entries(peers)) this.connect(Number(slot), ports);
  }

  linkTo(slot: number): Link<ToExecutor> {
    return this.routes[slot] ?? NOWHERE;
  }

  readonly reachable = (slot: number): boolean => this.routes[slot] !== null;

  /** Links a peer thread (at start, or its replacement). */
  connect(slot: number, ports: PeerPorts): void {
    receiveBatches<ToAcceptor>(ports.routes, this.deliver);
    this.routes[slot] = new PortLink<ToExecutor>(ports.routes);
    const executor = new Executor(new PortLink<ToAcceptor>(ports.runs), this.pools);
    receiveBatches<ToExecutor>(ports.runs, executor.receive);
    this.executors.set(slot, executor);
    this.ports.set(slot, ports);
  }

  /** A peer thread died: nothing more goes there, and the atoms it sent here are cancelled. */
  disconnect(slot: number): void {
    this.routes[slot] = null;
    this.executors.get(slot)?.cancelAll();
    this.executors.delete(slot);
    closePorts(this.ports.get(slot));
    this.ports.delete(slot);
  }

  close(): void {
    for (const executor of this.executors.values()) executor.cancelAll();
    for (const ports of this.ports.values()) closePorts(ports);
    this.ports.clear();
  }
}

function closePorts(ports: PeerPorts | undefined): void {
  for (const port of [ports?.routes, ports?.runs] as Array<MessagePort | undefined>) port?.close();
}
