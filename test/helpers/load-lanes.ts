import { RawClient } from './raw-client.js';

/** What became of one request sent while the proxy was being stopped or replaced. */
export type Outcome = 'answered' | 'refused' | 'closed before an answer' | string;

/** One request on `client`: its outcome and whether the answer said `Connection: close`; never a throw. */
async function outcomeOf(client: RawClient, request: string): Promise<{ outcome: Outcome; closes: boolean }> {
  client.send(request);
  try {
    const response = await client.readResponse({ timeoutMs: 15_000 });
    const outcome = response.status === 200 && response.body.toString() === 'ok' ? 'answered' : `answered ${response.status}`;
    return { outcome, closes: response.header('connection')?.toLowerCase() === 'close' };
  } catch (error) {
    const outcome = client.received().length === 0 ? 'closed before an answer' : `cut mid-answer: ${(error as Error).message}`;
    return { outcome, closes: true };
  }
}

/**
 * A client that sends `GET /load` (answered `ok` by the test's origin) until `stopped()` says so, pushing each
 * outcome. A keep-alive lane keeps its connection until an answer says `Connection: close` or it fails, then
 * reconnects, as a well-behaved HTTP client does; a close lane sends `Connection: close` on a new connection
 * each time.
 */
export async function lane(port: number, keepAlive: boolean, stopped: () => boolean, outcomes: Outcome[]): Promise<void> {
  const request = `GET /load HTTP/1.1\r\nHost: t\r\n${keepAlive ? '' : 'Connection: close\r\n'}\r\n`;
  while (!stopped()) {
    let client: RawClient;
    try {
      client = await RawClient.connect(port);
    } catch {
      outcomes.push('refused');
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    for (;;) {
      const { outcome, closes } = await outcomeOf(client, request);
      outcomes.push(outcome);
      if (!keepAlive || closes || outcome !== 'answered' || stopped()) break;
    }
    client.destroy();
  }
}
