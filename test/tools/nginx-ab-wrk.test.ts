import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startNginxOrigin } from '../../bench/origin/nginx-origin.js';
import type { Origin } from '../../bench/origin/origin.js';
import { findTool } from '../helpers/find-tool.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';

const nginx = findTool('nginx');
const ab = findTool('ab');
const wrk = findTool('wrk');
const missing = [!nginx && 'nginx', !ab && 'ab (apache2-utils)', !wrk && 'wrk'].filter(Boolean).join(', ');
// CI installs the tools (.ci/run); there a missing tool is a failure, elsewhere a skip that says what to install.
if (missing && process.env.CI) throw new Error(`CI must install ${missing}`);

const POOL_SIZE = 8;

/** Runs a load tool to completion (bounded by `timeoutMs`) and returns its stdout. */
function run(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.stderr.on('data', (data: Buffer) => (out += data.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} exited with ${code}: ${out}`));
    });
  });
}

describe('real clients against a real nginx origin, through the default proxy', { skip: missing ? `install ${missing}` : false }, () => {
  let origin: Origin;
  let proxy: ProxyProcess;

  before(async () => {
    origin = await startNginxOrigin(nginx!);
    proxy = await startProxy({ ATOM_UPSTREAMS: origin.url, ATOM_UPSTREAM_MAX_CONNS: String(POOL_SIZE) });
  });
  after(async () => {
    await proxy?.stop();
    await origin?.stop();
  });

  it('serves ab -n 2000 -c 8 (HTTP/1.0, a new client connection per request) without errors within the pool size', async (t) => {
    const before = await origin.accepted();
    const out = await run(ab!, ['-n', '2000', '-c', '8', '-s', '10', `${proxy.url}/`]);
    assert.match(out, /Complete requests:\s+2000\b/);
    assert.match(out, /Failed requests:\s+0\b/);
    assert.doesNotMatch(out, /Non-2xx responses/);
    const opened = (await origin.accepted()) - before;
    t.diagnostic(`origin accepted ${opened} connections for 2000 HTTP/1.0 requests`);
    assert.ok(opened <= POOL_SIZE, `origin accepted ${opened} connections for 2000 requests`);
  });

  it('serves wrk -H "Connection: close" without errors within the pool size', async (t) => {
    const before = await origin.accepted();
    const out = await run(wrk!, ['-t1', '-c8', '-d2s', '--timeout', '5s', '-H', 'Connection: close', `${proxy.url}/`]);
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    assert.ok(requests > 0, out);
    assert.doesNotMatch(out, /Socket errors|Non-2xx/, out);
    const opened = (await origin.accepted()) - before;
    t.diagnostic(`origin accepted ${opened} connections for ${requests} Connection: close requests`);
    assert.ok(opened <= POOL_SIZE, `origin accepted ${opened} connections for ${requests} requests`);
  });
});
