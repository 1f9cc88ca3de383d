import { spawnSync } from 'node:child_process';

export type UwsProbe = { build: string } | { refusal: string };

/**
 * Runs the proxy's own loader in a child process on this Node (process.execPath): loading uWebSockets.js
 * replaces the process's SIGINT and SIGTERM handlers, so the bench and the tests must not load it themselves.
 * Says which build would load, or the loader's refusal.
 */
export function probeUws(): UwsProbe {
  const loader = new URL('../workers/client/uws-loader.js', import.meta.url).href;
  const script =
    `const { loadNativeUws } = await import(${JSON.stringify(loader)});` +
    'let probe; try { probe = { build: loadNativeUws().build }; } catch (error) { probe = { refusal: error.message }; }' +
    'process.stdout.write(JSON.stringify(probe));';
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  if (child.status !== 0) return { refusal: `the uWS probe exited with ${child.status ?? child.signal}: ${child.stderr.trim()}` };
  return JSON.parse(child.stdout) as UwsProbe;
}
