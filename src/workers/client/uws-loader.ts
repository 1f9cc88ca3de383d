import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import type * as Uws from 'uWebSockets.js';
import { whyUwsDidNotLoad } from './uws-load-failure.js';

export type UwsModule = typeof Uws;

/**
 * The uWS builds package.json installs as optionalDependencies aliases, in order of preference: the first one
 * whose native binary loads is used. Each alias is one line of package.json, so swapping a build is a one-line
 * change there; the TypeScript types come from the first.
 */
export const UWS_BUILDS: readonly string[] = ['uWebSockets.js', 'uWebSockets.js-second-choice'];

export interface LoadedUws {
  module: UwsModule;
  /** The real package behind the alias and its version, e.g. "@btc-vision/uwebsockets.js 20.57.0". */
  build: string;
}

type Attempt = LoadedUws | { build: string; reason: string };

/**
 * Loads the first build whose native binary loads and refuses JavaScript fallbacks: a fallback is slower than
 * node:http and defeats the point of choosing this engine. Called only for ATOM_ACCEPTOR=uws, so the default
 * engine works where no native build exists. Throws one line naming every build and why it did not load.
 */
export function loadNativeUws(aliases: readonly string[] = UWS_BUILDS): LoadedUws {
  const require = createRequire(import.meta.url);
  const refusals: string[] = [];
  for (const alias of aliases) {
    const attempt = tryBuild(require, alias);
    if ('module' in attempt) return attempt;
    refusals.push(`${attempt.build} ${attempt.reason}`);
  }
  throw new Error(
    `ATOM_ACCEPTOR=uws but no uWebSockets.js build loads natively on Node ${process.version} ` +
      `(${process.platform}-${process.arch}, ABI ${process.versions.modules}): ${refusals.join('; ')}; use ATOM_ACCEPTOR=node`,
  );
}

function tryBuild(require: NodeJS.Require, alias: string): Attempt {
  const directory = (require.resolve.paths(alias) ?? []).map((parent) => join(parent, alias)).find((path) => existsSync(join(path, 'package.json')));
  if (!directory) return { build: alias, reason: 'is not installed' };
  const { name, version } = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name: string; version: string };
  const build = `${name} ${version}`;
  const { value: module, printed, error } = muted(() => require(alias) as UwsModule);
  if (error) return { build, reason: `did not load (${whyUwsDidNotLoad(error.message)})` };
  // require.cache holds real paths: a linked install (pnpm, a shared node_modules) reaches the package by a link.
  const home = realpathSync(directory) + sep;
  const native = Object.keys(require.cache).some((path) => path.startsWith(home) && /uws_[^/\\]*\.node$/.test(path));
  if (!native) return { build, reason: `loaded only its JavaScript fallback (${whyUwsDidNotLoad(printed)})` };
  return { module: module!, build };
}

/**
 * Runs `load` with console.log and console.warn captured: 20.30's loader announces its fallback there, and our
 * stdout carries only JSON log lines.
 */
function muted<T>(load: () => T): { value?: T; printed: string; error?: Error } {
  const { log, warn } = console;
  let printed = '';
  console.log = console.warn = (...parts: unknown[]) => (printed += parts.join(' ') + '\n');
  try {
    return { value: load(), printed };
  } catch (error) {
    return { printed, error: error as Error };
  } finally {
    Object.assign(console, { log, warn });
  }
}
