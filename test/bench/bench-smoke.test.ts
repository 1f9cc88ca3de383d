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

describe('npm run bench (smoke: one short run per mode, no speed asserted)', { timeout: 240_000 }, () => {
  it('runs without nginx, HAProxy, wrk and ab: node:net origin, autocannon, its own HTTP/1.0 client, and a profile', async () => {
    const { report, stdout, markdown, svg } = await runBench([
      '--without', 'nginx,haproxy,wrk,ab',
      '--targets', 'node/0,direct',
      '--modes', 'keep-alive,http1.0',
      '--profile', 'node/0',
    ]);
    assert.equal(report.origin.startsWith('node:net'), true);
    assertRows(report, [
      ['keep-alive', 'node/0'],
      ['keep-alive', 'direct'],
      ['http1.0', 'node/0'],
      ['http1.0', 'direct'],
    ]);
    assert.equal(report.rows[0]!.requestsPerSecond.vsNginx, null);
    assert.match(report.rows[0]!.client, /^autocannon/);
    assert.match(report.rows[2]!.client, /^bench http1.0-client/);
    assert.ok(report.notes.some((note) => note.startsWith('nginx: not installed')));
    assert.equal(report.profiles.length, 1);
    assert.ok(report.profiles[0]!.stages.some(({ stage }) => stage === 'upstream client'));
    assert.equal(markdown, stdout.trimEnd() + '\n');
    assert.match(markdown, /\| atomproxy node, ATOM_WORKERS=0 \| [\d,]+ \|/);
    assert.match(markdown, /### Per-stage CPU profile/);
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    assert.equal(svg.match(/<rect /g)!.length, 1 + 2 * 2 + 2 * 2 - 2); // background; per row two bars, none for direct's CPU
  });

  it('puts nginx in the same run and gives ratios to it', { skip: findTool('nginx') ? false : 'nginx not installed' }, async () => {
    const { report } = await runBench(['--targets', 'node/1,nginx', '--modes', 'close', '--profile', 'none']);
    assert.equal(report.origin, 'nginx, 1 worker');
    assertRows(report, [
      ['close', 'node/1'],
      ['close', 'nginx'],
    ]);
    assert.equal(report.rows[1]!.cpuMicrosPerRequest.vsNginx, 1);
    assert.ok(report.rows[0]!.cpuMicrosPerRequest.vsNginx! > 0);
  });
});
