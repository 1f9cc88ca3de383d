import type { Link } from '../../atom/link.js';
import type { ToAcceptor, ToExecutor } from '../../atom/messages.js';
import { UpstreamCall } from './upstream-call.js';
import type { UpstreamConnections } from './upstream-connections.js';

/**
 * Runs the atoms one router sends to this thread: its own thread's router over an in-thread link, or another
 * thread's over a MessagePort (a hop). Every executor of a thread shares the thread's connections (`pools`,
 * one per upstream). Atom ids are the router's, unique on this link only.
 */
export class Executor {
  private readonly calls = new Map<number, UpstreamCall>();

  constructor(
    private readonly link: Link<ToAcceptor>,
    private readonly pools: ReadonlyArray<UpstreamConnections | null>,
  ) {}

  readonly receive = (message: ToExecutor): void => {
    if (message.k === 'unpin') return this.pools[message.u]?.unpin(message.q);
    if (message.k === 'open') {
      const pool = this.pools[message.u];
      // Only in a race with DNS taking the address away: a connect failure, which the router may send elsewhere.
      if (!pool) return this.link.send({ k: 'fail', id: message.id, s: 502, cause: 'the server has no address here', r: 'connect' });
      const call = new UpstreamCall(message, this.link, pool, this.forget);
      this.calls.set(message.id, call);
      call.start();
      return;
    }
    const call = this.calls.get(message.id);
    if (!call) {
      // Already finished (its end or fail crossed the cancel): its connection is free already.
      if (message.k === 'cancel') this.link.send({ k: 'released', id: message.id });
      return; // other late messages are expected and harmless
    }
    switch (message.k) {
      case 'body':
        call.body?.push(message.c);
        break;
      case 'bodyEnd':
        call.body?.end();
        break;
      case 'credit':
        call.credit(message.n);
        break;
      case 'cancel':
        call.cancel();
        break;
    }
  };

  /** The router is gone (its thread died, or the proxy stops): abort every atom it sent here. */
  cancelAll(): void {
    for (const call of this.calls.values()) call.cancel();
  }

  private readonly forget = (call: UpstreamCall): void => {
    this.calls.delete(call.id);
  };
}
