import type { Tools } from '../tools.js';
import { atomproxyTlsTarget } from './atomproxy-tls-target.js';
import { haproxyTlsTarget } from './haproxy-tls-target.js';
import type { LongHaulTarget } from './long-haul-target.js';
import { nginxTlsTarget } from './nginx-tls-target.js';

/**
 * The long-haul targets this machine has, selected by --targets (null: all). A missing nginx or HAProxy is already
 * noted by the throughput targets' list.
 */
export function longHaulTargets(tools: Tools, selected: string[] | null): LongHaulTarget[] {
  const targets = [atomproxyTlsTarget(1), atomproxyTlsTarget(2)];
  if (tools.haproxy) targets.push(haproxyTlsTarget(tools.haproxy, 'safe'), haproxyTlsTarget(tools.haproxy, 'always'));
  if (tools.nginx) targets.push(nginxTlsTarget(tools.nginx));
  return targets.filter((target) => selected === null || selected.includes(target.selectedBy));
}
