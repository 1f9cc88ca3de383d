import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** A readable of `size` bytes of a repeating pattern, produced on demand (never held in memory). */
export function patternStream(size: number, chunkSize = 64 * 1024): Readable {
  const chunk = Buffer.alloc(chunkSize, 'atomproxy-');
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const part = left >= chunkSize ? chunk : chunk.subarray(0, left);
      left -= part.length;
      this.push(part);
    },
  });
}

/** Sends a request through node:http and resolves with the response once its headers arrive. */
export function streamRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | number>; body?: Readable },
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, resolve);
    request.on('error', reject);
    if (options.body) options.body.pipe(request);
    else request.end();
  });
}

/** Reads a response to its end, counting bytes without keeping them. */
export async function countBody(response: IncomingMessage): Promise<number> {
  let bytes = 0;
  for await (const chunk of response) bytes += (chunk as Buffer).length;
  return bytes;
}
