import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Ports this test process handed out: a proxy may not have bound one yet, so it must not be handed out twice. */
const handedOut = new Set<number>();

/**
 * A loopback port that nothing listens on right now, taken below the kernel's ephemeral range: a port the OS
 * handed out for port 0 and we released can go again to any port-0 bind or outgoing connection before the caller
 * binds it (a proxy's admin listener once failed so with EADDRINUSE). Never the same port twice in one process:
 * a test that needs a port nobody listens on (a refused upstream) once got a later proxy's admin listener there.
 */
export async function freePort(): Promise<number> {
  const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const lowest = Math.max(1024, ephemeralLow - 10_000);
  for (let attempt = 0; attempt < 100 && ephemeralLow > lowest; attempt++) {
    const port = lowest + Math.floor(Math.random() * (ephemeralLow - lowest));
    if (handedOut.has(port) || !(await isFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port between ${lowest} and the ephemeral range (from ${ephemeralLow})`);
}

function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
