import type { Tools } from '../tools.js';
import { atomproxyTarget } from './atomproxy.js';
import { bareNodeTarget, bareUwsTarget } from './bare-relay.js';
import { baselineTarget } from './baseline.js';
import { directTarget } from './direct.js';
import { haproxyTarget } from './haproxy.js';
import { nginxTarget } from './nginx-proxy.js';
import type { Target } from './target.js';

/** `baseline` runs only with --baseline <dir>. */
export const ALL_TARGET_IDS = ['node/1', 'node/2', 'uws/1', 'uws/2', 'node/1-log', 'uws/1-log', 'bare/node', 'bare/uws', 'direct', 'nginx', 'haproxy', 'baseline'];

const NO_UWS = 'no uWebSockets.js build loads natively here';

/** The targets this machine can run, and a note for each one it cannot. */
export function availableTargets(tools: Tools, baselineDir: string | null): { targets: Target[]; skipped: string[] } {
  const targets: Target[] = [];
  const skipped: string[] = [];
  for (const engine of ['node', 'uws'] as const) {
    for (const workers of [1, 2]) {
      if (engine === 'uws' && !tools.uws) skipped.push(`${engine}/${workers}: ${NO_UWS}`);
      else targets.push(atomproxyTarget(engine, workers));
    }
    if (engine === 'node' || tools.uws) targets.push(atomproxyTarget(engine, 1, true));
    else skipped.push(`${engine}/1-log: ${NO_UWS}`);
  }
  if (baselineDir !== null) targets.push(baselineTarget(baselineDir));
  targets.push(bareNodeTarget);
  if (tools.uws) targets.push(bareUwsTarget);
  else skipped.push(`${bareUwsTarget.id}: ${NO_UWS}`);
  targets.push(directTarget);
  if (tools.nginx) targets.push(nginxTarget(tools.nginx));
  else skipped.push('nginx: not installed (apt-get install nginx-light), so no ratios to nginx');
  if (tools.haproxy) targets.push(haproxyTarget(tools.haproxy));
  else skipped.push('haproxy: not installed (apt-get install haproxy)');
  return { targets, skipped };
}
