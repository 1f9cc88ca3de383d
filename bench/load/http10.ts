import { fileURLToPath } from 'node:url';
import { CONCURRENCY, type LoadResult, type LoadSpec } from './load-spec.js';
import { runCommand } from './run-command.js';

const CLIENT = fileURLToPath(new URL('./http10-client.js', import.meta.url));

/** The bench's own HTTP/1.0 client (./http10-client.ts) in a child process, like ab: -n N -c 32 [keep-alive]. */
export async function runHttp10Client(spec: LoadSpec): Promise<LoadResult> {
  const args = [CLIENT, spec.url, String(spec.requests), String(CONCURRENCY), spec.keepAlive ? '1' : '0', String(spec.uploadBytes)];
  const out = await runCommand(process.execPath, args, 120_000);
  if (out.code !== 0) throw new Error(`the HTTP/1.0 client exited with ${out.code}: ${out.stderr}`);
  return { client: 'bench http1.0 client', ...(JSON.parse(out.stdout) as Omit<LoadResult, 'client'>) };
}
