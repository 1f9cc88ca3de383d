import { freePort } from '../../test/helpers/free-port.js';
import { processTree } from '../process-stats.js';
import { processRoles } from '../threads/thread-roles.js';
import { startConfiguredServer } from '../server-process.js';
import type { TlsListener } from './served-certificate.js';
import type { Target } from './target.js';

/**
 * A proxy program (nginx, haproxy) started from a config the bench writes for the origin's host:port; given a
 * certificate, the config also gets a TLS listener on a port of its own.
 */
export function serverTarget(
  id: string,
  command: string,
  config: (originHost: string, dir: string, port: number, tls: TlsListener | null) => string,
  args: (dir: string, configPath: string) => string[],
): Target {
  return {
    id,
    name: id,
    answersHttp10: true,
    terminatesTls: true,
    async start(origin, _env, certificate) {
      const host = new URL(origin.url).host;
      const tls = certificate ? { port: await freePort(), certificate } : null;
      const server = await startConfiguredServer(id, command, (dir, port) => config(host, dir, port, tls), args);
      return {
        url: server.url,
        ...(tls ? { tlsUrl: `https://127.0.0.1:${tls.port}` } : {}),
        pids: () => processTree(server.pid),
        roles: async () => processRoles(server.pid),
        stop: () => server.stop(),
      };
    },
  };
}
