import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/free-port.js';
import { startServerProcess } from '../server-process.js';
import type { Target } from './target.js';

/**
 * A bare relay (bench/bare/): the HTTP server and undici Client atomproxy is built on, on one thread, with none of
 * atomproxy's logic. Its CPU per request is the floor under the atomproxy targets in the same run.
 */
function bareRelayTarget(id: string, name: string, script: string, answersHttp10: boolean): Target {
  const path = fileURLToPath(new URL(`../bare/${script}`, import.meta.url));
  return {
    id,
    name,
    answersHttp10,
    floor: true,
    async start(origin) {
      const port = await freePort();
      const relay = await startServerProcess(process.execPath, [path, String(port), origin.url], port);
      return {
        url: relay.url,
        pids: () => [relay.pid],
        // Its one JavaScript thread is "main"; V8's and libuv's helper threads are "other".
        roles: async () => ({ main: [relay.pid], workers: [] }),
        stop: () => relay.stop(),
      };
    },
  };
}

export const bareNodeTarget = bareRelayTarget('bare/node', 'bare node:http + undici relay (floor)', 'bare-node-relay.js', true);

/** uWebSockets.js parses no HTTP/1.0, as for the uws engine. */
export const bareUwsTarget = bareRelayTarget('bare/uws', 'bare uWS + undici relay (floor)', 'bare-uws-relay.js', false);
