import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';

function handshake(host: string, port: number, ca: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ca, servername: 'localhost' }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * Waits (10 s at most) until `url` completes a TLS handshake with a certificate for localhost that `caFile` signed:
 * a target whose port accepts before its TLS listener is ready, or that serves another certificate, fails here
 * with the reason instead of in the middle of a measured run.
 */
export async function waitForTls(url: string, caFile: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const ca = readFileSync(caFile, 'utf8');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await handshake(hostname, Number(port), ca);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no TLS handshake at ${url}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
