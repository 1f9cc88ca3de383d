import { findTool } from '../test/helpers/nginx-origin.js';
import { loadNativeUws } from '../src/main/uws-loader.js';

/** The external programs and optional modules the bench can use; `--without` makes it behave as if one were missing. */
export type ToolName = 'nginx' | 'haproxy' | 'wrk' | 'ab' | 'taskset' | 'uws';
export const TOOL_NAMES: readonly ToolName[] = ['nginx', 'haproxy', 'wrk', 'ab', 'taskset', 'uws'];

export type Tools = Record<ToolName, string | null>;

/** Path of each tool (for uws: "uWebSockets.js" when its native build loads), null when missing or excluded. */
export function findTools(without: ReadonlySet<string>): Tools {
  const tools = {} as Tools;
  for (const name of TOOL_NAMES) tools[name] = without.has(name) ? null : name === 'uws' ? nativeUws() : findTool(name);
  return tools;
}

function nativeUws(): string | null {
  try {
    loadNativeUws();
    return 'uWebSockets.js';
  } catch {
    return null;
  }
}
