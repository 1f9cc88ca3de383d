import { processTree } from '../process-stats.js';
import { processRoles } from '../threads/thread-roles.js';
import { startConfiguredServer } from '../server-process.js';
import type { Target } from './target.js';

/** A proxy program (nginx, haproxy) started from a config the bench writes for the origin's host:port. */
export function serverTarget(
  id: string,
  command: string,
  config: (originHost: string, dir: string, port: number) => string,
  args: (dir: string, configPath: string) => string[],
): Target {
  return {
    id,
    name: id,
    answersHttp10: true,
    async start(origin) {
      const host = new URL(origin.url).host;
      const server = await startConfiguredServer(id, command, (dir, port) => config(host, dir, port), args);
      return { url: server.url, pids: () => processTree(server.pid), roles: async () => processRoles(server.pid), stop: () => server.stop() };
    },
  };
}
