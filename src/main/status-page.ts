/**
 * The admin listener's GET /: one self-contained page (inline CSS and script, nothing fetched from elsewhere, so
 * it works offline) that polls GET /__atomproxy/pool every second, loads GET /__atomproxy/history once, and shows
 * the pool live. It holds no data itself: everything comes from those two routes, with `Authorization: Bearer`
 * when the address carries `#token=…` (a fragment: the browser never sends it to the server). Rates are the
 * differences between consecutive readings. Every number has a `data-metric` attribute (and `data-upstream`,
 * `data-worker` or `data-thread`) for tests and scrapers. Data reaches the document only through textContent and
 * attributes, never as markup.
 */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>atomproxy status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 2rem; color: #1d232a; background: #fafbfc; }
  header { display: flex; gap: 2rem; align-items: baseline; flex-wrap: wrap; }
  h1 { font-size: 1.4rem; margin: 0; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
  #hint { background: #fff4d6; border: 1px solid #e0b84c; padding: 0.5rem 1rem; }
  .numbers { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; }
  .numbers div { display: flex; flex-direction: column; min-width: 6rem; }
  .numbers b { font-size: 1.3rem; font-variant-numeric: tabular-nums; }
  .numbers span, .legend { color: #5b6670; font-size: 0.85rem; }
  .up { color: #1a7f37; } .down { color: #cf222e; }
  svg { width: 100%; max-width: 900px; height: 120px; background: #fff; border: 1px solid #d0d7de; display: block; }
  polyline { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
  .rps { stroke: #0969da; color: #0969da; } .reuse { stroke: #bf8700; color: #bf8700; }
  table { border-collapse: collapse; margin-top: 0.5rem; font-variant-numeric: tabular-nums; }
  th, td { border: 1px solid #d0d7de; padding: 0.2rem 0.6rem; text-align: right; }
  th { background: #f0f3f6; font-weight: 600; }
</style>
</head>
<body>
<header>
  <h1>atomproxy</h1>
  <span>engine <b data-metric="engine">–</b></span>
  <span>workers <b data-metric="workers">–</b></span>
  <span>updated <b data-metric="updated">–</b></span>
</header>
<p id="hint" hidden></p>
<main id="upstreams"></main>
<h2>Threads</h2>
<table id="threads">
  <thead><tr><th>thread</th><th>accepting</th><th>reachable</th><th>atoms/s</th><th>atoms</th><th>hops</th><th>loop delay p99 ms</th></tr></thead>
  <tbody></tbody>
</table>
<template id="upstream">
  <section>
    <h2><span data-metric="health">–</span> <span data-metric="url"></span> <small>at <span data-metric="origin">–</span>, weight <span data-metric="weight">–</span></small></h2>
    <div class="numbers">
      <div><b data-metric="requests-per-second">–</b><span>requests/s</span></div>
      <div><b data-metric="reuse-ratio-interval">–</b><span>reuse % (last second)</span></div>
      <div><b data-metric="reuse-ratio">–</b><span>reuse % (overall)</span></div>
      <div><b data-metric="requests">–</b><span>requests</span></div>
      <div><b data-metric="replays">–</b><span>replays</span></div>
      <div><b data-metric="in-flight">–</b><span>in flight</span></div>
      <div><b data-metric="queued">–</b><span>queued</span></div>
      <div><b data-metric="idle">–</b><span>idle</span></div>
      <div><b data-metric="busy">–</b><span>busy</span></div>
      <div><b data-metric="connecting">–</b><span>connecting</span></div>
      <div><b data-metric="warming">–</b><span>warming</span></div>
      <div><b data-metric="pinned">–</b><span>pinned</span></div>
      <div><b data-metric="opened">–</b><span>opened</span></div>
      <div><b data-metric="connect-failures">–</b><span>connect failures</span></div>
    </div>
    <svg viewBox="0 0 600 120" preserveAspectRatio="none" role="img" aria-label="requests/s and reuse % over the last 5 minutes">
      <polyline class="rps" data-metric="chart-requests-per-second" points=""></polyline>
      <polyline class="reuse" data-metric="chart-reuse-ratio" points=""></polyline>
    </svg>
    <p class="legend"><span class="rps">requests/s, 0 to <b data-metric="chart-max-requests-per-second">–</b></span> ·
      <span class="reuse">reuse %, 0 to 100</span> · the last 5 minutes</p>
    <table>
      <thead><tr><th>worker</th><th>idle</th><th>busy</th><th>connecting</th><th>warming</th><th>pinned</th><th>requests</th><th>reused</th><th>replays</th><th>assigned</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</template>
<script>
'use strict';
const WINDOW_MS = 5 * 60 * 1000;
const WORKER_COLUMNS = ['worker', 'idle', 'busy', 'connecting', 'warming', 'pinned', 'requests', 'reused', 'replays', 'assigned'];
const THREAD_COLUMNS = ['thread', 'accepting', 'reachable', 'atoms-per-second', 'atoms', 'hops', 'loop-delay-p99-ms'];
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const headers = token ? { authorization: 'Bearer ' + token } : {};
const hint = document.getElementById('hint');
/** Per upstream URL: its section, and its cumulative readings { time, requests, reused } of the last minutes. */
const upstreams = new Map();
/** The previous reading of the threads, for atoms/s: { time, threads }. */
let lastThreads = null;
let refused = false;

function show(text) {
  hint.textContent = text;
  hint.hidden = text === '';
}

/** GET on this listener; relative, so the page also works where a front proxy serves it under a path prefix. */
async function get(path) {
  const response = await fetch(path, { headers, cache: 'no-store' }).catch(() => {
    throw new Error('the admin listener does not answer; trying again every second');
  });
  if (response.status === 401) {
    refused = true;
    throw new Error((token ? 'the token in the address was refused' : 'this admin listener needs its token') + ': open /#token=<ATOM_ADMIN_TOKEN>');
  }
  if (!response.ok) throw new Error('GET ' + path + ' answered ' + response.status);
  return response.json();
}

const number = (value, digits) => (value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits));
const percent = (part, whole) => (whole > 0 ? (100 * part) / whole : null);
/** Per second between two cumulative readings; null when the clock did not move or the counter went back (a restart). */
function perSecond(now, then, field) {
  const seconds = (now.time - then.time) / 1000;
  const delta = now[field] - then[field];
  return seconds > 0 && delta >= 0 ? delta / seconds : null;
}

const find = (root, metric) => root.querySelector('[data-metric="' + metric + '"]');
function set(root, metric, value) {
  const element = find(root, metric);
  element.textContent = String(value);
  return element;
}

/** Makes tbody hold count rows, each cell tagged with its column, key (worker or thread) and the upstream. */
function rows(tbody, count, columns, key, url) {
  while (tbody.rows.length > count) tbody.deleteRow(-1);
  while (tbody.rows.length < count) {
    const row = tbody.insertRow();
    for (const column of columns) {
      const cell = row.insertCell();
      cell.dataset.metric = column;
      cell.setAttribute('data-' + key, String(row.sectionRowIndex));
      if (url !== undefined) cell.dataset.upstream = url;
    }
  }
  return Array.from(tbody.rows);
}

function fill(row, values) {
  for (const cell of row.cells) cell.textContent = String(values[cell.dataset.metric]);
}

function entryFor(url) {
  if (!upstreams.has(url)) {
    const root = document.getElementById('upstream').content.firstElementChild.cloneNode(true);
    for (const element of root.querySelectorAll('[data-metric]')) element.dataset.upstream = url;
    set(root, 'url', url);
    document.getElementById('upstreams').append(root);
    upstreams.set(url, { root, readings: [] });
  }
  return upstreams.get(url);
}

/** Keeps a reading, drops those that left the window, and redraws the chart from the rates between readings. */
function record(entry, reading) {
  const readings = entry.readings;
  readings.push(reading);
  while (readings.length > 2 && readings[1].time < reading.time - WINDOW_MS) readings.shift();
  const points = [];
  for (let i = 1; i < readings.length; i++) {
    const x = (600 * (readings[i].time - reading.time + WINDOW_MS)) / WINDOW_MS;
    const requests = readings[i].requests - readings[i - 1].requests;
    points.push({ x, rps: perSecond(readings[i], readings[i - 1], 'requests'), reuse: percent(readings[i].reused - readings[i - 1].reused, requests) });
  }
  const max = Math.max(1, ...points.map((point) => point.rps ?? 0));
  const line = (field, top) => points.filter((point) => point[field] !== null)
    .map((point) => point.x.toFixed(1) + ',' + (118 - (116 * point[field]) / top).toFixed(1)).join(' ');
  find(entry.root, 'chart-requests-per-second').setAttribute('points', line('rps', max));
  find(entry.root, 'chart-reuse-ratio').setAttribute('points', line('reuse', 100));
  set(entry.root, 'chart-max-requests-per-second', number(max, 0));
}

function showUpstream(upstream, time) {
  const entry = entryFor(upstream.url);
  const reading = { time, requests: upstream.requests, reused: upstream.reused };
  const last = entry.readings[entry.readings.length - 1];
  set(entry.root, 'origin', upstream.origin ?? 'no address (DNS)');
  set(entry.root, 'weight', upstream.weight);
  const health = set(entry.root, 'health', upstream.down ? (upstream.checkFailed ? 'down (health check)' : 'down') : 'up');
  health.className = upstream.down ? 'down' : 'up';
  set(entry.root, 'requests-per-second', last ? number(perSecond(reading, last, 'requests'), 1) : '–');
  set(entry.root, 'reuse-ratio-interval', last ? number(percent(reading.reused - last.reused, reading.requests - last.requests), 1) : '–');
  set(entry.root, 'reuse-ratio', number(percent(upstream.reused, upstream.requests), 1));
  for (const field of ['requests', 'replays', 'queued', 'idle', 'busy', 'connecting', 'warming', 'pinned', 'opened']) set(entry.root, field, upstream[field]);
  set(entry.root, 'in-flight', upstream.inFlight);
  set(entry.root, 'connect-failures', upstream.connectFailures);
  const workerRows = rows(entry.root.querySelector('tbody'), upstream.workers.length, WORKER_COLUMNS, 'worker', upstream.url);
  upstream.workers.forEach((worker, i) => fill(workerRows[i], worker));
  record(entry, reading);
}

function showThreads(threads, time) {
  const threadRows = rows(document.querySelector('#threads tbody'), threads.length, THREAD_COLUMNS, 'thread');
  threads.forEach((thread, i) => {
    const before = lastThreads && lastThreads.threads[i];
    const rate = before ? perSecond({ time, atoms: thread.atoms }, { time: lastThreads.time, atoms: before.atoms }, 'atoms') : null;
    fill(threadRows[i], { ...thread, accepting: thread.accepting ? 'yes' : 'no', reachable: thread.reachable ? 'yes' : 'no', 'atoms-per-second': number(rate, 1), 'loop-delay-p99-ms': number(thread.loopDelayP99Ms, 1) });
  });
  lastThreads = { time, threads };
}

/** The server's readings of the last minutes, moved onto this browser's clock. */
async function loadHistory() {
  const history = await get('__atomproxy/history');
  const shift = Date.now() - history.now;
  for (const sample of history.samples) {
    for (const upstream of sample.upstreams) record(entryFor(upstream.url), { time: sample.time + shift, requests: upstream.requests, reused: upstream.reused });
    lastThreads = { time: sample.time + shift, threads: sample.threads };
  }
}

async function poll() {
  const pool = await get('__atomproxy/pool');
  const time = Date.now();
  set(document, 'engine', pool.engine.acceptor + ' (' + pool.engine.build + ')');
  set(document, 'workers', pool.workers);
  set(document, 'updated', new Date(time).toLocaleTimeString());
  for (const upstream of pool.upstreams) showUpstream(upstream, time);
  showThreads(pool.threads, time);
}

/** Loads the history (one try), then polls every second; stops for good on a 401, and says why. */
async function run() {
  let loaded = false;
  while (!refused) {
    try {
      if (!loaded) {
        loaded = true;
        await loadHistory();
      }
      await poll();
      show('');
    } catch (error) {
      show(error.message);
    }
    if (!refused) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

addEventListener('hashchange', () => location.reload());
run();
</script>
</body>
</html>
`;
