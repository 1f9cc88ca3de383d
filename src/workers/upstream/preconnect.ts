import { Client } from './undici-client.js';

/**
 * undici has no public way to open a Client's connection before its first request; its pools use the
 * Client's internal `[kConnect]` method for that. Found by the symbol's description so a changed undici fails
 * loudly at the first warm-up instead of silently never warming.
 */
const kConnect = Object.getOwnPropertySymbols(Client.prototype).find((symbol) => symbol.description === 'connect');

/** False if this undici has no such method: the proxy then refuses ATOM_UPSTREAM_MIN_IDLE at start. */
export const canPreconnect = kConnect !== undefined;

type Connectable = Record<symbol, (callback: () => void) => void>;

/** Starts opening `client`'s connection; its 'connect' or 'connectionError' event reports the outcome. */
export function preconnect(client: Client): void {
  if (!kConnect) throw new Error('this undici version has no Client [kConnect]: ATOM_UPSTREAM_MIN_IDLE cannot warm connections');
  (client as unknown as Connectable)[kConnect]!(() => {});
}
