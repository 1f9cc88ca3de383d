import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { UWS_BUILDS } from '../../src/workers/client/uws-loader.js';
import { UWS_PROBE } from '../helpers/matrix.js';
import { startProxy, startProxyExpectingFailure } from '../helpers/proxy-process.js';

const LOADER = new URL('../../src/workers/client/uws-loader.js', import.meta.url).href;
const REFUSAL = /^atomproxy: failed to start: ATOM_ACCEPTOR=uws but no uWebSockets\.js build loads natively on Node v[\d.]+ \([\w-]+, ABI \d+\): /;

/**
 * Runs loadNativeUws(aliases) of the loader at `loader` in a child process (uWS replaces signal handlers); resolves
 * with its error message or build.
 */
function loadInChild(aliases: readonly string[], env: Record<string, string>, loader = LOADER): { build?: string; refusal?: string; stdout: string } {
  const script =
    `const { loadNativeUws } = await import(${JSON.stringify(loader)});` +
    `try { console.error(JSON.stringify({ build: loadNativeUws(${JSON.stringify(aliases)}).build })); }` +
    'catch (error) { console.error(JSON.stringify({ refusal: error.message })); }';
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(child.status, 0, child.stderr);
  return { ...(JSON.parse(child.stderr) as { build?: string; refusal?: string }), stdout: child.stdout };
}

describe('loading uWebSockets.js', () => {
  it('names the build it loads in the start-up log line and the admin view, or refuses as the probe said', async (t) => {
    t.diagnostic(`Node ${process.version}: ${'build' in UWS_PROBE ? `uws engine runs on ${UWS_PROBE.build}` : `uws engine tests are skipped: ${UWS_PROBE.refusal}`}`);
    if ('build' in UWS_PROBE) {
      const proxy = await startProxy({ ATOM_ACCEPTOR: 'uws', ATOM_UPSTREAMS: 'http://127.0.0.1:9' });
      try {
        const listening = proxy.logs.find((line) => String(line.msg).startsWith('atomproxy listening'));
        assert.deepEqual(listening?.engine, { acceptor: 'uws', build: UWS_PROBE.build });
        const view = (await (await fetch(`${proxy.adminUrl}/__atomproxy/pool`)).json()) as { engine: unknown };
        assert.deepEqual(view.engine, { acceptor: 'uws', build: UWS_PROBE.build });
      } finally {
        await proxy.stop();
      }
    } else {
      const { code, stderr } = await startProxyExpectingFailure({ ATOM_ACCEPTOR: 'uws' });
      assert.equal(code, 1);
      assert.equal(stderr, `atomproxy: failed to start: ${UWS_PROBE.refusal}\n`);
      assert.match(stderr, REFUSAL);
    }
  });

  it('names node:http and the Node version for the node engine', async () => {
    const proxy = await startProxy({ ATOM_UPSTREAMS: 'http://127.0.0.1:9' });
    try {
      const expected = { acceptor: 'node', build: `node:http ${process.version}` };
      assert.deepEqual(proxy.logs.find((line) => String(line.msg).startsWith('atomproxy listening'))?.engine, expected);
      assert.deepEqual(((await proxy.pool()) as unknown as { engine: unknown }).engine, expected);
    } finally {
      await proxy.stop();
    }
  });

  it('refuses to start when no build loads natively: one stderr line, a cause per build, and the way out', async () => {
    // --no-addons stops every native binary: 20.57 throws, 20.30 falls back to its JavaScript implementation.
    const { code, stderr } = await startProxyExpectingFailure({ ATOM_ACCEPTOR: 'uws', NODE_OPTIONS: '--no-addons' });
    assert.equal(code, 1);
    assert.match(stderr, REFUSAL);
    assert.equal(stderr.split('\n').length, 2, `one line, then the newline: ${stderr}`);
    assert.match(stderr, /@btc-vision\/uwebsockets\.js 20\.57\.0 did not load \(native addons are disabled \(--no-addons\)\)/);
    assert.match(stderr, /@trufflesuite\/uws-js-unofficial 20\.30\.0-unofficial\.0 loaded only its JavaScript fallback \(/);
    assert.match(stderr, /; use ATOM_ACCEPTOR=node\n$/);
  });

  it('refuses the JavaScript fallback UWS_USE_FALLBACK=1 forces on 20.30, without printing the fallback notice', () => {
    const { refusal, stdout } = loadInChild(['uWebSockets.js-second-choice'], { UWS_USE_FALLBACK: '1' });
    assert.match(refusal!, /: @trufflesuite\/uws-js-unofficial 20\.30\.0-unofficial\.0 loaded only its JavaScript fallback \(UWS_USE_FALLBACK is set\); use ATOM_ACCEPTOR=node$/);
    assert.equal(stdout, '');
  });

  it('loads a build that node_modules reaches through a link (pnpm, a shared node_modules)', { skip: 'refusal' in UWS_PROBE && UWS_PROBE.refusal }, () => {
    // The loader and its helper, copied beside a node_modules whose builds are links to the installed ones.
    const root = mkdtempSync(join(tmpdir(), 'atomproxy-linked-'));
    try {
      const here = fileURLToPath(new URL('../../src/workers/client', import.meta.url));
      mkdirSync(join(root, 'lib'));
      mkdirSync(join(root, 'node_modules'));
      for (const file of ['uws-loader.js', 'uws-load-failure.js']) copyFileSync(join(here, file), join(root, 'lib', file));
      for (const alias of UWS_BUILDS) symlinkSync(realpathSync(fileURLToPath(new URL(`../../../node_modules/${alias}`, import.meta.url))), join(root, 'node_modules', alias));
      const { build } = loadInChild(UWS_BUILDS, {}, pathToFileURL(join(root, 'lib', 'uws-loader.js')).href);
      assert.equal(build, (UWS_PROBE as { build: string }).build);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('says a build is not installed', () => {
    const { refusal } = loadInChild(['uws-build-that-is-not-installed'], {});
    assert.match(refusal!, /: uws-build-that-is-not-installed is not installed; use ATOM_ACCEPTOR=node$/);
  });
});
