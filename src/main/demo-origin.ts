import type { Server } from 'node:http';
import { http } from '../shared/node-http.js';

export interface DemoOrigin {
  url: string;
  close(): Promise<void>;
}

/**
 * The upstream `npm start` proxies to when ATOM_UPSTREAMS is empty: a tiny origin on a random loopback port
 * that shows what reached it through the proxy.
 */
export function startDemoOrigin(): Promise<DemoOrigin> {
  const server: Server = http.createServer((request, response) => {
    request.resume();
    const text =
      `Hello from atomproxy's built-in demo origin.\n` +
      `You sent ${request.method} ${request.url}; it reached me with\n` +
      `  Via: ${request.headers.via ?? '-'}\n  X-Forwarded-For: ${request.headers['x-forwarded-for'] ?? '-'}\n` +
      `Set ATOM_UPSTREAMS=http://host:port[,…] to proxy your own servers instead.\n`;
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    response.end(text);
  });
  // Longer than the proxy's upstream idle timeout, as every upstream behind a proxy should be.
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
