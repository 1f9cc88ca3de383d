import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTIONS, type LoadResult, type LoadSpec } from './load-spec.js';
import { runCommand } from './run-command.js';

/**
 * The script defines only done() (and, for uploads, a static method and body), so wrk keeps its static-request
 * fast path; done() prints exact percentiles and error counters as one JSON line (as ANCHOR-BENCH's wrk-report.lua).
 */
function script(uploadBytes: number): string {
  const upload = uploadBytes ? `wrk.method = "POST"\nwrk.body = string.rep("x", ${uploadBytes})\n` : '';
  return `${upload}done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;
}

/** wrk -t1 -c64 -d<s> --timeout 5s [-H 'Connection: close']: HTTP/1.1 only. */
export async function runWrk(wrk: string, spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'atomproxy-wrk-'));
  try {
    writeFileSync(join(dir, 'report.lua'), script(spec.uploadBytes));
    const close = spec.keepAlive ? [] : ['-H', 'Connection: close'];
    const args = ['-t1', `-c${CONNECTIONS}`, `-d${spec.seconds}s`, '--timeout', '5s', ...close, '-s', join(dir, 'report.lua'), spec.url];
    const out = await runCommand(wrk, args, (spec.seconds + 30) * 1000);
    const json = /WRKJSON (\{.*\})/.exec(out.stdout);
    if (out.code !== 0 || !json) throw new Error(`wrk exited with ${out.code}: ${out.stdout}${out.stderr}`);
    const r = JSON.parse(json[1]!) as Record<string, number>;
    return {
      client: 'wrk',
      ok: r.requests! - r.status!, // "status" counts responses outside 2xx/3xx
      non2xx: r.status!,
      errors: r.connect! + r.read! + r.write! + r.timeout!,
      seconds: r.duration_us! / 1e6,
      p50Ms: r.p50_us! / 1000,
      p99Ms: r.p99_us! / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
