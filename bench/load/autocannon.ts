import { fileURLToPath } from 'node:url';
import { CONNECTIONS, type LoadResult, type LoadSpec } from './load-spec.js';
import { runCommand } from './run-command.js';

const AUTOCANNON = fileURLToPath(new URL('../../../node_modules/autocannon/autocannon.js', import.meta.url));

/**
 * autocannon -c 64 -d <s> -j: HTTP/1.1 only; it saturates its core near 38k req/s (ANCHOR-BENCH). It always sends
 * its own "Connection: keep-alive", so a close client adds "Connection: close" (close wins; the server closes and
 * autocannon reconnects). Its -D 1 (reconnect after each response) counts no responses in 9.0, so it is not used.
 */
export async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const close = spec.keepAlive ? [] : ['-H', 'connection=close'];
  const upload = spec.uploadBytes ? ['-m', 'POST', '-b', 'x'.repeat(spec.uploadBytes)] : [];
  const args = [AUTOCANNON, '-c', String(CONNECTIONS), '-d', String(spec.seconds), '-j', ...close, ...upload, spec.url];
  const out = await runCommand(process.execPath, args, (spec.seconds + 30) * 1000);
  if (out.code !== 0) throw new Error(`autocannon exited with ${out.code}: ${out.stderr}`);
  const r = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
    '2xx': number;
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
    latency: { p50: number; p99: number };
  };
  return {
    client: 'autocannon',
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    seconds: r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
  };
}
