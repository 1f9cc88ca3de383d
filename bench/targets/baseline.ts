import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runningProxy, type LaunchedProxy } from './running-proxy.js';
import type { Target } from './target.js';

type StartProxy = (env: Record<string, string>) => Promise<LaunchedProxy>;

/**
 * "The old design": another atomproxy checkout's build, node engine, ATOM_WORKERS=0 (everything on the main
 * thread). It is started by that checkout's own test helper (built beside its dist/src/main/main.js by `npm run
 * build`), which knows its start-up log line and checks its clean shutdown.
 */
export function baselineTarget(dir: string): Target {
  const root = resolve(dir);
  const helper = join(root, 'dist/test/helpers/proxy-process.js');
  for (const built of [join(root, 'dist/src/main/main.js'), helper]) {
    if (!existsSync(built)) throw new Error(`--baseline ${dir}: ${built} is missing (run npm install && npm run build there)`);
  }
  const git = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : basename(root);
  return {
    id: 'baseline',
    name: `atomproxy ${commit} node, ATOM_WORKERS=0`,
    answersHttp10: true,
    async start(origin, env = {}) {
      const { startProxy } = (await import(pathToFileURL(helper).href)) as { startProxy: StartProxy };
      return runningProxy(await startProxy({ ...env, ATOM_UPSTREAMS: origin.url, ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '0' }));
    },
  };
}
