import { probeUws } from '../src/main/uws-probe.js';
import { findTool } from '../test/helpers/find-tool.js';

/** The external programs and optional modules the bench can use; `--without` makes it behave as if one were missing. */
export type ToolName = 'nginx' | 'haproxy' | 'wrk' | 'ab' | 'taskset' | 'uws';
export const TOOL_NAMES: readonly ToolName[] = ['nginx', 'haproxy', 'wrk', 'ab', 'taskset', 'uws'];

export type Tools = Record<ToolName, string | null>;

/** Path of each tool (for uws: the uWebSockets.js build that loads natively), null when missing or excluded. */
export function findTools(without: ReadonlySet<string>): Tools {
  const tools = {} as Tools;
  for (const name of TOOL_NAMES) tools[name] = without.has(name) ? null : name === 'uws' ? nativeUws() : findTool(name);
  return tools;
}

function nativeUws(): string | null {
  const probe = probeUws();
  return 'build' in probe ? probe.build : null;
}
