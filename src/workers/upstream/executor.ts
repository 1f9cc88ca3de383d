import type { Link } from '../../atom/link.js';
import type { ToAcceptor, ToExecutor } from '../../atom/messages.js';
import type { PoolIndex } from '../../pool/pool-index.js';
import type { ExecutorSettings } from './executor-settings.js';
import { UpstreamCall } from './upstream-call.js';
import { UpstreamConnections } from './upstream-connections.js';

/**
 * Runs atoms against upstreams. The same class runs inside a worker thread (over a MessagePort link) and, with
 * ATOM_WORKERS=0, inside the acceptor thread (over an in-thread link).
 */
export class Executor {
  private readonly calls = new Map<number, UpstreamCall>();
  private readonly pools: UpstreamConnections[];

  constructor(
    private readonly link: Link<ToAcceptor>,
    settings: ExecutorSettings,
    index: PoolIndex,
    slot: number,
  ) {
    this.pools = settings.upstreams.map(
      (origin, upstream) => new UpstreamConnections(origin, settings, index, upstream, slot),
    );
    for (const pool of this.pools) pool.warm();
  }

  readonly receive = (message: ToExecutor): void => {
    if (message.k === 'open') {
      const call = new UpstreamCall(message, this.link, this.pools[message.u]!, this.forget);
      this.calls.set(message.id, call);
      call.start();
      return;
    }
    const call = this.calls.get(message.id);
    if (!call) return; // already finished; late messages are expected and harmless
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

  async close(): Promise<void> {
    for (const call of this.calls.values()) call.cancel();
    await Promise.all(this.pools.map((pool) => pool.close()));
  }

  private readonly forget = (call: UpstreamCall): void => {
    this.calls.delete(call.id);
  };
}
