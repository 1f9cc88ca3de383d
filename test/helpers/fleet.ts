import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startOrigin, type TestOrigin } from './origin.js';
import { startProxy, type ProxyProcess } from './proxy-process.js';
import { RawClient } from './raw-client.js';

/** Answers `ok` after `delayMs`. */
export const answerAfter = (delayMs: number): Handler => (request: IncomingMessage, response: ServerResponse) => {
  request.resume();
  setTimeout(() => response.end('ok'), delayMs);
};

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Runs `body` with one origin per handler and a proxy over them all; tears everything down. */
export async function withFleet(
  handlers: Handler[],
  env: Record<string, string>,
  body: (origins: TestOrigin[], proxy: ProxyProcess) => Promise<void>,
): Promise<void> {
  const origins = await Promise.all(handlers.map((handler) => startOrigin(handler)));
  try {
    const proxy = await startProxy({ ATOM_ACCESS_LOG: 'off', ...env, ATOM_UPSTREAMS: origins.map((origin) => origin.url).join(',') });
    try {
      await body(origins, proxy);
    } finally {
      await proxy.stop();
    }
  } finally {
    await Promise.all(origins.map((origin) => origin.close()));
  }
}

/** `lanes` keep-alive clients sending one request after another until `total` were answered, all 200. */
export async function keepAliveLoad(port: number, lanes: number, total: number): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      const client = await RawClient.connect(port);
      try {
        while (sent < total) {
          sent++;
          client.send('GET /load HTTP/1.1\r\nHost: t\r\n\r\n');
          assert.equal((await client.readResponse()).status, 200);
        }
      } finally {
        client.destroy();
      }
    }),
  );
}

/** Requests each origin received, in order. */
export const shares = (origins: TestOrigin[]) => origins.map((origin) => origin.requests.length);
