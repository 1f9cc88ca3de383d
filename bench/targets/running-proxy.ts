import { registerStop } from '../cleanup.js';
import { processTree } from '../process-stats.js';
import type { ThreadView } from '../../src/pool/pool-view.js';
import { atomproxyRoles } from '../threads/thread-roles.js';
import type { RunningTarget } from './target.js';

/** What the targets use of a started atomproxy: the current build's test helper and a baseline checkout's alike. */
export interface LaunchedProxy {
  url: string;
  /** ATOM_TLS_PORT's listener; absent in builds before TLS. */
  tlsPort?: number | null;
  pid: number;
  /** GET <adminUrl>/__atomproxy/pool. */
  pool(): Promise<object>;
  /** SIGTERM, and a check that the shutdown was clean. */
  stop(): Promise<void>;
}

/** A started atomproxy as a running target: stopped with the bench, its worker threads named by its admin view. */
export function runningProxy(proxy: LaunchedProxy): RunningTarget {
  const unregister = registerStop(() => proxy.stop());
  return {
    url: proxy.url,
    ...(proxy.tlsPort ? { tlsUrl: `https://127.0.0.1:${proxy.tlsPort}` } : {}),
    pids: () => processTree(proxy.pid),
    // A build without the `threads` field (before issue 9) has no workers to name: all but the main thread are "other".
    roles: async () => atomproxyRoles(proxy.pid, ((await proxy.pool()) as { threads?: ThreadView[] }).threads),
    stop: () => {
      unregister();
      return proxy.stop(); // also checks the shutdown was clean; the runner reports it if not
    },
  };
}
