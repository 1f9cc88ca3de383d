import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { threadNanos } from '../../bench/process-stats.js';
import { runningProxy } from '../../bench/targets/running-proxy.js';
import { splitThreads } from '../../bench/threads/thread-split.js';

const STUB = fileURLToPath(new URL('./stub-threaded-proxy.js', import.meta.url));

/** The stub proxy with `workers` busy worker threads, as a running target. */
async function startStub(workers: number) {
  const child = spawn(process.execPath, [STUB, String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const adminUrl = `http://127.0.0.1:${(JSON.parse(line.toString()) as { adminPort: number }).adminPort}`;
  return runningProxy({
    url: adminUrl,
    pid: child.pid!,
    pool: async () => (await fetch(`${adminUrl}/__atomproxy/pool`)).json() as Promise<object>,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  });
}

describe("the admin view's threads field names the worker threads (a stub process with the spec's view)", () => {
  it('puts the busy worker threads CPU under their own groups, not under main or other, and counts atoms and hops', async () => {
    const running = await startStub(2);
    try {
      const pids = running.pids();
      const roles = (await running.roles())!;
      assert.deepEqual(roles.main, pids);
      assert.deepEqual(roles.workers.map((worker) => worker.thread), [0, 1]);
      for (const worker of roles.workers) assert.ok(threadNanos(pids).has(worker.tids[0]!), `tid ${worker.tids[0]} is a thread of the stub`);
      const before = { roles, nanos: threadNanos(pids) };
      await new Promise((resolve) => setTimeout(resolve, 400));
      const after = { nanos: threadNanos(pids), roles: (await running.roles())! };
      const split = splitThreads(before, after, 1000);
      for (const worker of split.workers) {
        assert.ok(worker.microsPerRequest > 20 * split.mainMicrosPerRequest, `worker ${worker.thread} ${worker.microsPerRequest} µs vs main ${split.mainMicrosPerRequest}`);
        assert.ok(worker.microsPerRequest > split.otherMicrosPerRequest);
        assert.ok(worker.atoms! > 10 && Math.abs(worker.hops! - worker.atoms! / 4) <= 1, `atoms ${worker.atoms}, hops ${worker.hops}`);
      }
    } finally {
      await running.stop();
    }
  });
});
