/**
 * Why node:http cannot share a port between threads on this runtime, or null when it can: `listen({ reusePort })`
 * exists from Node 22.12 and 23.1, and is asked for on Linux only (elsewhere the option may end the server,
 * nodejs/node#61018, or not spread connections). uWS always listens with SO_REUSEPORT.
 */
export function nodeReusePortRefusal(): string | null {
  if (process.platform !== 'linux') return `node:http shares a port between threads only on Linux here (${process.platform})`;
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12)) return null;
  return `node:http on Node ${process.version} has no listen({ reusePort }) (Node 22.12 or later has it)`;
}
