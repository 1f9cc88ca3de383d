import { startProxy } from '../../test/helpers/proxy-process.js';
import { runningProxy } from './running-proxy.js';
import type { Target } from './target.js';

/** atomproxy with one engine and worker count, every other ATOM_* variable at its default. */
export function atomproxyTarget(engine: 'node' | 'uws', workers: number): Target {
  return {
    id: `${engine}/${workers}`,
    name: `atomproxy ${engine}, ATOM_WORKERS=${workers}`,
    answersHttp10: engine === 'node',
    async start(origin, env = {}) {
      return runningProxy(await startProxy({ ...env, ATOM_UPSTREAMS: origin.url, ATOM_ACCEPTOR: engine, ATOM_WORKERS: String(workers) }));
    },
  };
}
