import { spawnSync } from 'node:child_process';
import { findTool } from '../test/helpers/find-tool.js';

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

/**
 * Tries the proxy's own loader in a child process: loaded into the bench, uWebSockets.js replaces its SIGINT and
 * SIGTERM handlers, and the bench could no longer stop what it started.
 */
function nativeUws(): string | null {
  const loader = new URL('../src/main/uws-loader.js', import.meta.url).href;
  const check = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(loader)}).then((m) => m.loadNativeUws())`], { stdio: 'ignore' });
  return check.status === 0 ? 'uWebSockets.js' : null;
}
