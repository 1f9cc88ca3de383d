import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { BenchReport } from '../../bench/report/bench-report.js';
import { findTool } from '../helpers/find-tool.js';

const BENCH = fileURLToPath(new URL('../../bench/main.js', import.meta.url));

/** Runs a tiny bench (never asserting speed, only that it completes and reports) and reads what it wrote. */
async function runBench(args: string[]): Promise<{ report: BenchReport; stdout: string; markdown: string; svg: string }> {
  const out = mkdtempSync(join(tmpdir(), 'atomproxy-bench-test-'));
  try {
    return await benchInto(out, args);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function benchInto(out: string, args: string[]): Promise<{ report: BenchReport; stdout: string; markdown: string; svg: string }> {
  const child = spawn(process.execPath, [BENCH, '--quick', '--seconds', '1', '--requests', '300', '--out', out, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const timer = setTimeout(() => child.kill('SIGINT'), 90_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  assert.equal(code, 0, `bench exited with ${code}: ${stderr}`);
  const file = (extension: string) => readFileSync(join(out, readdirSync(out).find((name) => name.endsWith(extension))!), 'utf8');
  return { report: JSON.parse(file('.json')) as BenchReport, stdout, markdown: file('.md'), svg: file('.svg') };
}

function assertRows(report: BenchReport, expected: Array<[mode: string, target: string]>): void {
  assert.deepEqual(
    report.rows.map((row) => [row.mode, row.target]),
    expected,
  );
  for (const row of report.rows) {
    assert.ok(row.requestsPerSecond.median! > 0, `${row.mode} ${row.target} served nothing`);
    assert.equal(row.errors + row.non2xx, 0, `${row.mode} ${row.target} had errors`);
  }
}

/** node/1's CPU by thread: one row per mode, groups that add up to a positive total, and the projection. */
function assertThreadRows(report: BenchReport, modes: string[]): void {
  assert.deepEqual(
    report.threadRows.map((row) => [row.mode, row.target]),
    modes.map((mode) => [mode, 'node/1']),
  );
  for (const row of report.threadRows) {
    const sum = row.mainMicrosPerRequest + row.workerMicrosPerRequest.reduce((a, b) => a + b, 0) + row.otherMicrosPerRequest;
    assert.ok(row.totalMicrosPerRequest > 0 && Math.abs(sum - row.totalMicrosPerRequest) < 1e-6 * sum, `${row.mode}: groups do not add up`);
    assert.ok(row.busiestShare > 0 && row.busiestShare <= 1);
    // The admin view names node/1's one worker thread: it accepts, does the work, and has no other thread to hop to.
    assert.equal(row.workerMicrosPerRequest.length, 1);
    assert.equal(row.acceptingWorkers, 1);
    assert.ok(row.workerMicrosPerRequest[0]! > row.mainMicrosPerRequest, `${row.mode}: the worker works, the main thread supervises`);
    assert.equal(row.hopRate, 0);
    assert.equal(row.projected?.length, 3);
  }
}

describe('npm run bench (smoke: one short run per mode, no speed asserted)', { timeout: 240_000 }, () => {
  it('runs without nginx, HAProxy, wrk and ab: node:net origin, autocannon, its own HTTP/1.0 client, and a profile', async () => {
    const { report, stdout, markdown, svg } = await runBench([
      '--without', 'nginx,haproxy,wrk,ab',
      '--targets', 'node/1,direct',
      '--modes', 'keep-alive,http1.0',
      '--profile', 'node/1',
    ]);
    assert.equal(report.origin?.startsWith('node:net'), true);
    assertRows(report, [
      ['keep-alive', 'node/1'],
      ['keep-alive', 'direct'],
      ['http1.0', 'node/1'],
      ['http1.0', 'direct'],
    ]);
    assertThreadRows(report, ['keep-alive', 'http1.0']);
    assert.equal(report.rows[0]!.requestsPerSecond.vsNginx, null);
    assert.match(report.rows[0]!.client, /^autocannon/);
    assert.match(report.rows[2]!.client, /^bench http1.0-client/);
    assert.ok(report.notes.some((note) => note.startsWith('nginx: not installed')));
    assert.equal(report.profiles.length, 1);
    assert.ok(report.profiles[0]!.stages.some(({ stage }) => stage === 'upstream client'));
    assert.equal(markdown, stdout.trimEnd() + '\n');
    assert.match(markdown, /\| atomproxy node, ATOM_WORKERS=1 \| [\d,]+ \|/);
    assert.match(markdown, /CPU by thread, keep-alive:\n\n\| target \| main µs\/req/);
    assert.equal(report.memory, null);
    assert.match(markdown, /### Per-stage CPU profile/);
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    assert.equal(svg.match(/<rect /g)!.length, 1 + 2 * 2 + 2 * 2 - 2); // background; per row two bars, none for direct's CPU
  });

  it('puts nginx in the same run and gives ratios to it, side by side with the access log variant', { skip: findTool('nginx') ? false : 'nginx not installed' }, async () => {
    const { report, markdown } = await runBench(['--targets', 'node/1,node/1-log,nginx', '--modes', 'close', '--profile', 'none', '--side-by-side']);
    assert.equal(report.origin, 'nginx, 1 worker');
    assertRows(report, [
      ['close', 'node/1'],
      ['close', 'node/1-log'],
      ['close', 'nginx'],
    ]);
    const starts = report.samples.map((sample) => sample.startedAt);
    assert.ok(Math.max(...starts) - Math.min(...starts) < 1000 * Math.min(...report.samples.map((sample) => sample.seconds)), 'the three loads ran at once');
    assert.ok(report.rows.every((row) => row.upstreamConnsPer1k === null), "side by side, the origin's count is not split by target");
    assert.match(markdown, /Side by side: the targets of a repetition ran at once/);
    assert.equal(report.rows[2]!.cpuMicrosPerRequest.vsNginx, 1);
    assert.ok(report.rows[0]!.cpuMicrosPerRequest.vsNginx! > 0);
    const nginx = report.threadRows.find((row) => row.target === 'nginx')!;
    assert.equal(nginx.workerMicrosPerRequest.length, 1, 'nginx: one worker process');
    assert.ok(nginx.workerMicrosPerRequest[0]! > nginx.mainMicrosPerRequest, 'the worker process works, the master does not');
  });

  it('runs the memory scenario alone: idle and peak RSS per target and case', async () => {
    const nginx = findTool('nginx') ? ',nginx' : '';
    const { report, markdown } = await runBench(['--scenario', 'memory', '--targets', `node/1,direct${nginx}`]);
    assert.deepEqual(report.rows, []);
    assert.equal(report.origin, null);
    const targets = nginx ? ['node/1', 'nginx'] : ['node/1'];
    assert.deepEqual(
      report.memory!.rows.map((row) => [row.case, row.target]),
      ['download', 'upload'].flatMap((memoryCase) => targets.map((target) => [memoryCase, target])),
    );
    for (const row of report.memory!.rows) {
      assert.ok(row.idleRssBytes > 0 && row.peakRssBytes >= row.idleRssBytes * 0.9, `${row.case} ${row.target}: RSS ${row.idleRssBytes} → ${row.peakRssBytes}`);
      assert.ok(row.peakHeldBytes > 0 && row.seconds > 0.5, `${row.case} ${row.target}: nothing was held back or it was not paced`);
    }
    assert.match(markdown, /#### download: 32 MiB download to a client reading 32 MiB\/s\n\n\| target \| idle RSS MiB/);
  });
});
