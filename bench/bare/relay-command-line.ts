/** What a bare relay is started with: `node <relay>.js <listen port> <origin URL>`, as bench/targets/bare-relay.ts does. */
export function relayArguments(): { port: number; origin: string } {
  const [port, origin] = process.argv.slice(2);
  if (!port || !(Number(port) > 0) || !origin || !URL.canParse(origin)) {
    throw new Error(`usage: node ${process.argv[1]} <listen port> <origin URL>, e.g. 8081 http://127.0.0.1:8080`);
  }
  return { port: Number(port), origin };
}

/** The bench stops a relay with SIGTERM; a floor has nothing to drain. Installed after uWS loads (it replaces the handlers). */
export function exitOnSigterm(): void {
  process.once('SIGTERM', () => process.exit(0));
}
