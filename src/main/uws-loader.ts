import { createRequire } from 'node:module';
import type * as Uws from 'uWebSockets.js';

export type UwsModule = typeof Uws;

/**
 * Loads uWebSockets.js (any build installed under that name) and refuses its JavaScript fallback: the fallback
 * is slower than node:http and defeats the point of choosing this engine. Loaded lazily, so the default engine
 * works where no native build exists.
 */
export function loadNativeUws(): UwsModule {
  const require = createRequire(import.meta.url);
  let module: UwsModule;
  try {
    module = require('uWebSockets.js') as UwsModule;
  } catch (error) {
    throw new Error(`ATOM_ACCEPTOR=uws but uWebSockets.js is not installed (${(error as Error).message.split('\n')[0]})`);
  }
  const native = Object.keys(require.cache).some((path) => /uws_[^/\\]*\.node$/.test(path));
  if (!native) {
    throw new Error(
      `ATOM_ACCEPTOR=uws but only the JavaScript fallback of uWebSockets.js loaded (no native binary for ` +
        `${process.platform}-${process.arch}, Node ABI ${process.versions.modules}, or UWS_USE_FALLBACK is set); ` +
        `install a build with a native binary for this platform or use ATOM_ACCEPTOR=node`,
    );
  }
  return module;
}
