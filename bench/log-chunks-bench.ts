import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { LogChunks } from '../src/workers/router/log-chunks.js';
import { median } from './summary.js';

/**
 * CPU a log line costs in its destination, isolated: sonic-boom gathering 32 KiB of lines itself (string mode,
 * `minLength`) against LogChunks' 32 KiB chunks; the same access-log-sized line, written to a file. Each run is
 * its own process, the two alternate, medians of 5 runs. `node dist/bench/log-chunks-bench.js [lines]`
 */
const DESTINATIONS = ['sonic-boom minLength', 'LogChunks'] as const;
const LINE = `{"level":30,"time":"2026-12-02T07:00:00.000Z","pid":1,"thread":0,"client":"127.0.0.1:40000","method":"GET","path":"/index.html","status":200,"requestBytes":0,"responseBytes":612,"upstream":"http://127.0.0.1:8080","worker":0,"reused":true,"connectionAgeMs":1234.567,"connectionRequests":42,"replays":0,"queuedMs":0.012,"connectMs":0,"firstByteMs":0.345,"totalMs":0.789,"termination":"completed","msg":"access"}\n`;

/** Writes `lines` lines to `sink`, 256 per event-loop turn. */
async function writeLines(sink: { write(line: string): unknown }, lines: number): Promise<void> {
  for (let i = 0; i < lines; i++) {
    sink.write(LINE);
    if (i % 256 === 255) await new Promise(setImmediate);
  }
}

/** One run in this process; prints µs of CPU per line, the final write included. */
async function run(destination: (typeof DESTINATIONS)[number], file: string, lines: number): Promise<void> {
  const before = process.cpuUsage();
  if (destination === 'LogChunks') {
    const chunks = new LogChunks(file, 32 * 1024);
    await writeLines(chunks, lines);
    await chunks.close();
  } else {
    const sonic = pino.destination({ dest: file, sync: false, minLength: 32 * 1024, maxWrite: 64 * 1024 });
    await writeLines(sonic, lines);
    sonic.flushSync();
  }
  const cpu = process.cpuUsage(before);
  console.log(((cpu.user + cpu.system) / lines).toFixed(3));
}

async function main(): Promise<void> {
  const [role, destination, file, count] = process.argv.slice(2);
  if (role === '--run') return run(destination as (typeof DESTINATIONS)[number], file!, Number(count));
  const lines = Number(role ?? 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'atomproxy-log-chunks-'));
  try {
    const figures = new Map<string, number[]>(DESTINATIONS.map((name) => [name, []]));
    for (let rep = 0; rep < 5; rep++) {
      for (const name of DESTINATIONS) {
        const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--run', name, join(dir, `${rep}.log`), String(lines)], { timeout: 120_000 });
        figures.get(name)!.push(Number(out.toString().trim()));
        rmSync(join(dir, `${rep}.log`));
      }
    }
    const [sonic, chunks] = DESTINATIONS.map((name) => median(figures.get(name)!)!);
    for (const name of DESTINATIONS) console.log(`${name}: ${figures.get(name)!.join(', ')} µs/line (median ${median(figures.get(name)!)})`);
    console.log(`ratio sonic-boom minLength / LogChunks: ${(sonic! / chunks!).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
