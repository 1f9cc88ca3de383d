import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HISTORY_SAMPLES, startPoolHistory } from '../../src/main/pool-history.js';
import { Cell, PoolIndex, Thread } from '../../src/pool/pool-index.js';
import type { EngineView } from '../../src/workers/client/acceptor.js';
import { findTool } from '../helpers/find-tool.js';
import { engineSkip } from '../helpers/matrix.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startProxy, type PoolView } from '../helpers/proxy-process.js';
import { closeRequest, RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

/** Debian's Chromium, driven by playwright-core (which downloads no browser); without it the page is not checked, and CI must have it. */
const CHROMIUM = findTool('chromium');
const noChromium = CHROMIUM ? false : 'Chromium is not installed at /usr/bin/chromium (apt-get install chromium)';
if (noChromium && process.env.CI) throw new Error('CI must install chromium');
const skip = noChromium || engineSkip('node');

const TOKEN = 'test-token-0123456789abcdef';
/** Every wait in the browser, and every waitFor here. */
const WAIT_MS = 15_000;

/**
 * Background traffic through the proxy: one keep-alive connection and one `Connection: close` request after the
 * other, about 30 a second, until stop(), `limit` requests or `limitMs`, whichever comes first.
 */
function startTraffic(port: number, limit = 900, limitMs = 45_000): { sent(): number; stop(): Promise<unknown> } {
  let sent = 0;
  let stopped = false;
  const deadline = Date.now() + limitMs;
  const run = async () => {
    const keepAlive = await RawClient.connect(port);
    try {
      while (!stopped && sent < limit && Date.now() < deadline) {
        keepAlive.send(`GET /keep-alive/${sent} HTTP/1.1\r\nHost: t\r\n\r\n`);
        assert.equal((await keepAlive.readResponse()).status, 200);
        assert.equal((await closeRequest(port, `/close/${sent}`)).status, 200);
        sent += 2;
        await sleep(60);
      }
    } finally {
      keepAlive.destroy();
    }
  };
  // Settled at once, so a failure waits for stop() instead of ending the process as an unhandled rejection.
  const failure = run().then(() => null, (error: unknown) => error);
  return {
    sent: () => sent,
    /** Resolves, once the last request is over, with what made the traffic fail, or null. */
    stop() {
      stopped = true;
      return failure;
    },
  };
}

async function launch(): Promise<Browser> {
  // Chromium's sandbox cannot start as root (containers, CI).
  return chromium.launch({ executablePath: CHROMIUM!, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [], timeout: WAIT_MS });
}

/** A new tab on `url`; its script errors and the console's errors (a refused load, a 401) go into `errors`. */
async function open(browser: Browser, url: string, errors: string[] = []): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return page;
}

/** A number of the page, or of one upstream: not a cell of its per-worker table (those carry data-worker too). */
function selector(metric: string, upstream?: string): string {
  return `[data-metric="${metric}"]${upstream === undefined ? '' : `[data-upstream="${upstream}"]`}:not([data-worker])`;
}

/** The text of one data-metric element. */
async function text(page: Page, metric: string, upstream?: string): Promise<string> {
  return (await page.locator(selector(metric, upstream)).textContent()) ?? '';
}

/** One data-metric element as a number; NaN while it shows none ("–"). */
async function value(page: Page, metric: string, upstream?: string): Promise<number> {
  return Number(await text(page, metric, upstream));
}

describe('the pool history', () => {
  it(`keeps the last ${HISTORY_SAMPLES} readings, oldest first, as plain JSON`, () => {
    const index = PoolIndex.create(1, 2);
    const history = startPoolHistory(index, ['http://upstream.test'], 60_000);
    try {
      assert.equal(history.view().samples.length, 1, 'a first reading at start');
      for (let i = 1; i <= 200; i++) {
        index.count(0, 1, Cell.REQUESTS, 1);
        index.count(0, 1, Cell.REUSED, i > 1 ? 1 : 0);
        index.addThread(0, Thread.ATOMS, 1);
        history.sample();
      }
      const view = history.view();
      assert.deepEqual(JSON.parse(JSON.stringify(view)), view);
      assert.equal(view.intervalMs, 60_000);
      assert.equal(view.samples.length, HISTORY_SAMPLES);
      assert.deepEqual(view.samples.map((sample) => sample.upstreams[0]!.requests), Array.from({ length: HISTORY_SAMPLES }, (_, i) => 201 - HISTORY_SAMPLES + i));
      assert.deepEqual(view.samples.at(-1), {
        time: view.samples.at(-1)!.time,
        upstreams: [{ url: 'http://upstream.test', requests: 200, reused: 199, replays: 0, opened: 0 }],
        threads: [{ thread: 0, atoms: 200, hops: 0 }, { thread: 1, atoms: 0, hops: 0 }],
      });
      assert.ok(view.samples.every((sample, i) => i === 0 || sample.time >= view.samples[i - 1]!.time));
    } finally {
      history.stop();
    }
  });
});

describe('the status page (GET / on the admin listener), in Chromium', { skip }, () => {
  let origin: TestOrigin;
  let browser: Browser;

  before(async () => {
    origin = await startOrigin();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await origin?.close();
  });

  it('shows the pool live: requests/s, reuse, one row per thread, a chart, the same values as the pool view', async (t) => {
    const proxy = await startProxy({ ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '2', ATOM_UPSTREAMS: origin.url, ATOM_ACCESS_LOG: 'off' });
    const traffic = startTraffic(proxy.port);
    let page: Page | undefined;
    let trafficFailure: unknown = null;
    try {
      const served = await fetch(`${proxy.adminUrl}/`);
      assert.equal(served.status, 200);
      assert.equal(served.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(served.headers.get('cache-control'), 'no-store');
      assert.doesNotMatch(await served.text(), /https?:|<link|\bsrc=/, 'nothing loaded from elsewhere');
      assert.match(served.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'/);
      assert.equal((await fetch(`${proxy.adminUrl}/`, { method: 'HEAD' })).status, 200);
      assert.equal((await fetch(`${proxy.adminUrl}/`, { method: 'POST' })).status, 405);
      assert.equal((await fetch(`${proxy.adminUrl}/__atomproxy/history`, { method: 'POST' })).status, 405);
      assert.match(await (await fetch(`${proxy.adminUrl}/nothing`)).text(), /try GET \/ \(the status page\)/);

      const errors: string[] = [];
      page = await open(browser, `${proxy.adminUrl}/`, errors);
      const url = origin.url;
      await waitFor(async () => (await value(page!, 'requests', url)) > 0 && (await value(page!, 'requests-per-second', url)) > 0, 'the page to count requests', WAIT_MS);
      const firstTotal = await value(page, 'requests', url);
      await waitFor(async () => (await value(page!, 'requests', url)) > firstTotal + 20, 'the total to move', WAIT_MS);
      const total = await value(page, 'requests', url);
      const pool = (await proxy.pool()) as PoolView & { engine: EngineView }; // the JSON has it; the helper's type does not say so
      const [upstream] = pool.upstreams;
      assert.ok(total > firstTotal, `requests went from ${firstTotal} to ${total}`);
      assert.ok(total <= upstream!.requests, 'the page shows no more than the pool view counted after it');
      await waitFor(async () => (await value(page!, 'requests-per-second', url)) > 0, 'requests/s above 0 again', WAIT_MS);

      const reuse = await value(page, 'reuse-ratio', url);
      assert.ok(reuse > 0 && reuse <= 100, `reuse % is ${reuse}`);
      assert.equal(await text(page, 'url', url), origin.url);
      assert.equal(await text(page, 'health', url), 'up');
      assert.equal(await text(page, 'origin', url), origin.url, 'the address the server is at');
      assert.equal(await text(page, 'weight', url), '1');
      assert.equal(await text(page, 'workers'), String(pool.workers));
      assert.equal(pool.workers, 2);
      assert.ok((await text(page, 'engine')).startsWith(`${pool.engine.acceptor} (`));
      const workerColumn = page.locator(`[data-metric="worker"][data-upstream="${url}"]`);
      assert.deepEqual(await workerColumn.allTextContents(), ['0', '1'], 'one row per worker thread under the upstream');
      assert.equal(await page.locator('#threads tbody tr').count(), 2, 'one row per thread');
      const atoms = (await page.locator('[data-metric="atoms"][data-thread]').allTextContents()).map(Number);
      assert.ok(atoms.reduce((sum, count) => sum + count, 0) > 0, `atoms per thread: ${atoms.join(', ')}`);
      assert.equal(await page.locator('[data-metric="accepting"][data-thread="0"]').textContent(), 'yes');
      const loopDelays = (await page.locator('[data-metric="loop-delay-p99-ms"][data-thread]').allTextContents()).map(Number);
      assert.ok(loopDelays.length === 2 && loopDelays.every((delay) => delay >= 0), `loop delay per thread: ${loopDelays.join(', ')}`);

      const points = (await page.locator(selector('chart-requests-per-second', url)).getAttribute('points')) ?? '';
      assert.ok(points.trim().split(/\s+/).length >= 2, `the requests/s line has points: "${points}"`);
      assert.match(points, /^[\d.]+,[\d.]+( [\d.]+,[\d.]+)+$/);
      assert.ok(((await page.locator(selector('chart-reuse-ratio', url)).getAttribute('points')) ?? '').length > 0, 'the reuse line too');
      assert.ok(await page.locator('#hint').isHidden(), 'no error shown');
      assert.deepEqual(errors, [], 'no script error, nothing the CSP refused');

      const history = (await (await fetch(`${proxy.adminUrl}/__atomproxy/history`)).json()) as { samples: Array<{ upstreams: Array<{ url: string }> }> };
      assert.ok(history.samples.length >= 1);
      assert.equal(history.samples[0]!.upstreams[0]!.url, origin.url);

      const screenshot = join(tmpdir(), `atomproxy-status-page-${process.pid}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      t.diagnostic(`screenshot: ${screenshot}`);
    } finally {
      trafficFailure = await traffic.stop();
      await page?.close();
      await proxy.stop();
    }
    assert.equal(trafficFailure, null);
    t.diagnostic(`${traffic.sent()} requests through the proxy, half keep-alive, half Connection: close`);
  });

  it('with ATOM_ADMIN_TOKEN: the page is served without it and reads it from #token=…; without it, a hint', async () => {
    const proxy = await startProxy({ ATOM_ACCEPTOR: 'node', ATOM_WORKERS: '1', ATOM_UPSTREAMS: origin.url, ATOM_ADMIN_TOKEN: TOKEN });
    const pages: Page[] = [];
    try {
      for (let i = 0; i < 5; i++) assert.equal((await closeRequest(proxy.port, `/t${i}`)).status, 200);
      const served = await fetch(`${proxy.adminUrl}/`);
      assert.equal(served.status, 200);
      assert.ok(!(await served.text()).includes(TOKEN));
      assert.equal((await fetch(`${proxy.adminUrl}/__atomproxy/history`)).status, 401);
      assert.equal((await fetch(`${proxy.adminUrl}/__atomproxy/pool`)).status, 401);

      const withToken = await open(browser, `${proxy.adminUrl}/#token=${TOKEN}`);
      pages.push(withToken);
      await waitFor(async () => (await value(withToken, 'requests', origin.url)) === 5, 'the page to show 5 requests', WAIT_MS);
      assert.equal(await text(withToken, 'workers'), '1');
      assert.ok(await withToken.locator('#hint').isHidden());

      const without = await open(browser, `${proxy.adminUrl}/`);
      pages.push(without);
      await without.locator('#hint').waitFor({ state: 'visible' });
      assert.match((await without.locator('#hint').textContent()) ?? '', /needs its token: open \/#token=<ATOM_ADMIN_TOKEN>$/);
      assert.equal(await text(without, 'workers'), '–', 'no data without the token');
      assert.ok(!JSON.stringify(proxy.logs).includes(TOKEN), 'the token is in no log line');
    } finally {
      for (const page of pages) await page.close();
      await proxy.stop();
    }
  });
});
