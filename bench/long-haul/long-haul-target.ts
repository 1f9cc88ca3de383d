import { serverTarget } from '../targets/server-target.js';
import type { RunningTarget } from '../targets/target.js';
import type { FarOrigin } from './far-origin.js';

/** A started long-haul target, and the https:// URL its clients use. */
export interface StartedTarget {
  running: RunningTarget;
  url: string;
}

/** A proxy in the long-haul scenario: TLS from its clients, TLS to the far origin. */
export interface LongHaulTarget {
  id: string;
  name: string;
  /** The --targets id that selects it (both HAProxy settings answer to "haproxy"). */
  selectedBy: string;
  /** Starts it in front of `far`. */
  start(far: FarOrigin): Promise<StartedTarget>;
}

/** nginx or HAProxy from a config the bench writes: it listens for TLS on the port it was given. */
export async function startTlsServer(
  id: string,
  command: string,
  config: (originHost: string, dir: string, port: number) => string,
  args: (dir: string, configPath: string) => string[],
  far: FarOrigin,
): Promise<StartedTarget> {
  const running = await serverTarget(id, command, config, args).start(far.upstream);
  return { running, url: running.url.replace(/^http:/, 'https:') };
}
