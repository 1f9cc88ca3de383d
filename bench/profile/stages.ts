/**
 * Which stage of a proxied request a CPU-profile sample belongs to. A sample is charged to the innermost frame
 * of its stack (leaf upwards) that one of these rules names, the first matching rule winning; docs/benchmarks.md
 * repeats this table. Frames no rule names (node:net, streams, timers, natives) pass the sample up to their caller.
 */
export const STAGE_RULES: ReadonlyArray<{ stage: string; url: RegExp }> = [
  {
    stage: 'acceptor parse',
    url: /node:_http_(server|common|incoming)|\/src\/workers\/client\/(node-acceptor|uws-acceptor|request-headers|request-target)\.js|\/src\/atom\/hop-by-hop\.js|uWebSockets/,
  },
  {
    stage: 'hand-off',
    url: /\/src\/atom\/(link|messages)\.js|\/src\/workers\/router\/(forwarder|atom-queue|balancer)\.js|\/src\/pool\/|\/src\/workers\/thread\/|\/src\/main\/thread-supervisor\.js|node:internal\/(worker|per_context\/messageport)|node:worker_threads|piscina/,
  },
  { stage: 'upstream client', url: /undici|\/src\/workers\/upstream\// },
  { stage: 'response write', url: /node:_http_outgoing|\/src\/workers\/router\/exchange\.js|\/src\/workers\/client\/uws-responder\.js/ },
];

/** Stages of samples whose whole stack matched no rule, by the V8 pseudo-frame at the leaf. */
export const GC = 'garbage collection';
export const NATIVE = 'native, not under any JS frame (uWS C++, libuv, V8)';
export const IDLE = '(idle)';
export const UNNAMED = 'event loop, sockets and other runtime';

export interface Frame {
  functionName: string;
  url: string;
}

/** The stage of a sample whose stack is `stack`, leaf first. */
export function stageOf(stack: Frame[]): string {
  const leaf = stack[0]?.functionName;
  if (leaf === '(garbage collector)') return GC;
  if (leaf === '(idle)') return IDLE;
  for (const frame of stack) {
    const rule = STAGE_RULES.find(({ url }) => url.test(frame.url));
    if (rule) return rule.stage;
  }
  return leaf === '(program)' ? NATIVE : UNNAMED;
}
