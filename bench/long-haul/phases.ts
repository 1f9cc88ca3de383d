import type { TlsHandshakes, TlsOrigin } from '../../test/helpers/tls-origin.js';
import { runAbRequests, type AbLoad, type AbRequests } from './ab-requests.js';

/** The forum's two kinds of clients: API callers on keep-alive connections, and one request per connection. */
export type ClientGroup = 'keep-alive' | 'close';

export const CLIENT_GROUPS: Record<ClientGroup, AbLoad> = {
  'keep-alive': { requests: 200, concurrency: 4, keepAlive: true },
  close: { requests: 15, concurrency: 1, keepAlive: false },
};

/** The two groups at the same time, as the operator saw them, then each alone; one target runs them in this order. */
export const PHASES: ReadonlyArray<{ id: string; groups: ClientGroup[] }> = [
  { id: 'together', groups: ['keep-alive', 'close'] },
  { id: 'keep-alive alone', groups: ['keep-alive'] },
  { id: 'close alone', groups: ['close'] },
];

/** One phase against one target: each group's requests, and what the origin saw meanwhile. */
export interface PhaseResult {
  runs: Array<{ group: ClientGroup; requests: AbRequests }>;
  handshakes: TlsHandshakes;
  /** TCP connections the origin accepted. */
  connections: number;
}

export async function runPhase(ab: string, url: string, groups: ClientGroup[], origin: TlsOrigin): Promise<PhaseResult> {
  const [handshakesBefore, connectionsBefore] = [origin.handshakes, origin.connections];
  const runs = await Promise.all(groups.map(async (group) => ({ group, requests: await runAbRequests(ab, `${url}/`, CLIENT_GROUPS[group]) })));
  const after = origin.handshakes;
  return {
    runs,
    handshakes: {
      full: after.full - handshakesBefore.full,
      resumed: after.resumed - handshakesBefore.resumed,
      failed: after.failed - handshakesBefore.failed,
    },
    connections: origin.connections - connectionsBefore,
  };
}
