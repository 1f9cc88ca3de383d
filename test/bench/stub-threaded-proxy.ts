/**
 * A stand-in for an issue-9 atomproxy in the bench's thread tests: N worker threads that each read their Linux tid
 * from /proc/thread-self/stat and burn CPU in 1 ms slices (one "atom" per slice, every fourth a "hop"), and an
 * admin listener answering GET /__atomproxy/pool with the `threads` field of the spec. Prints its admin port.
 * argv: worker count.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const tidOfThisThread = () => Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]);

if (isMainThread) {
  const count = Number(process.argv[2]);
  const counters = new Int32Array(new SharedArrayBuffer(8 * count));
  const tids: number[] = [];
  for (let thread = 0; thread < count; thread++) {
    const worker = new Worker(new URL(import.meta.url), { workerData: { thread, counters } });
    worker.once('message', (tid: number) => (tids[thread] = tid));
    worker.unref();
  }
  const view = () => ({
    workers: count,
    upstreams: [],
    threads: tids.map((tid, thread) => ({ thread, tid, accepting: true, atoms: Atomics.load(counters, 2 * thread), hops: Atomics.load(counters, 2 * thread + 1) })),
  });
  const server = createServer((_request, response) => response.end(JSON.stringify(view())));
  server.listen(0, '127.0.0.1', () => {
    const ready = setInterval(() => {
      if (tids.filter(Number).length < count) return;
      clearInterval(ready);
      console.log(JSON.stringify({ adminPort: (server.address() as { port: number }).port }));
    }, 10);
  });
  process.once('SIGTERM', () => process.exit(0));
} else {
  const { thread, counters } = workerData as { thread: number; counters: Int32Array };
  parentPort!.postMessage(tidOfThisThread());
  const slice = () => {
    for (const end = performance.now() + 1; performance.now() < end; );
    const atoms = Atomics.add(counters, 2 * thread, 1) + 1;
    if (atoms % 4 === 0) Atomics.add(counters, 2 * thread + 1, 1);
    setImmediate(slice);
  };
  slice();
}
