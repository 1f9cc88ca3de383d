import type { Dispatcher } from 'undici';
import { Client } from '../../src/workers/upstream/undici-client.js';
import { RelayCall, type ResponseSink } from './relay-call.js';

/** As many as the bench's keep-alive clients: a connection each, opened on first use. */
const CLIENTS = 64;

/** Sends requests to `origin` round robin over CLIENTS undici Clients (pipelining 1), streaming each response into its sink. */
export function upstreamClients(origin: string, dropped: ReadonlySet<string>): (request: Dispatcher.DispatchOptions, sink: ResponseSink) => RelayCall {
  const clients = Array.from({ length: CLIENTS }, () => new Client(origin, { pipelining: 1 }));
  let turn = 0;
  return (request, sink) => {
    const call = new RelayCall(sink, dropped);
    clients[turn]!.dispatch(request, call);
    turn = (turn + 1) % CLIENTS;
    return call;
  };
}
