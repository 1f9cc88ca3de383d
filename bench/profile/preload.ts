/**
 * Loaded into every thread of a profiled proxy through NODE_OPTIONS=--import (which, unlike --cpu-prof, Node
 * allows there): starts V8's sampling profiler in this thread and, once the bench creates
 * `$BENCH_CPU_PROFILE_DIR/stop`, writes `<pid>.<threadId>.cpuprofile` into that directory. The check runs every
 * 100 ms on an unref'd timer, so it never keeps a thread alive.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  const poll = setInterval(() => {
    if (!existsSync(join(dir, 'stop'))) return;
    clearInterval(poll);
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.${threadId}.cpuprofile`), JSON.stringify(result.profile));
      session.disconnect();
    });
  }, 100);
  poll.unref();
}
