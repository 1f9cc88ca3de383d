import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';

const youngBuffers = new URL('../../src/workers/thread/young-buffers.js', import.meta.url).href;

/**
 * Drops 16 MiB of relayed-looking 64 KiB Buffers, reports `bytes` to young-buffers.ts, and prints the
 * arrayBuffers memory (V8's external memory held by ArrayBuffers) before and after, in MiB, once settled.
 */
const script = (bytes: number) => `
const { bodyBytesHandled } = await import(${JSON.stringify(youngBuffers)});
const mib = () => process.memoryUsage().arrayBuffers / 1048576;
const sink = [];
for (let i = 0; i < 256; i++) sink.push(Buffer.alloc(65536, i));
sink.length = 0;
const before = mib();
bodyBytesHandled(${bytes});
for (let i = 0; i < 20 && mib() > before / 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
console.log(JSON.stringify({ before, after: mib(), gc: typeof globalThis.gc }));
`;

function run(flags: string[], bytes: number): { before: number; after: number; gc: string } {
  const output = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script(bytes)], { timeout: 20_000 });
  return JSON.parse(output.toString());
}

it('frees dropped body buffers with a minor collection once 16 MiB of body bytes went through the thread', () => {
  const result = run(['--expose-gc'], 16 * 1024 * 1024);
  assert.ok(result.before >= 16, `the dropped buffers were still held before: ${JSON.stringify(result)}`);
  assert.ok(result.after < result.before - 12, `freed: ${JSON.stringify(result)}`);
});

it('collects nothing below 16 MiB', () => {
  const result = run(['--expose-gc'], 15 * 1024 * 1024);
  assert.ok(result.after >= 16, `still held: ${JSON.stringify(result)}`);
});

it('does nothing where gc is not exposed (the main thread, or a runtime without the flag)', () => {
  const result = run([], 16 * 1024 * 1024);
  assert.equal(result.gc, 'undefined');
  assert.ok(result.after >= 16, `still held: ${JSON.stringify(result)}`);
});
