import type { Tools } from '../tools.js';
import { runAb } from './ab.js';
import { runAutocannon } from './autocannon.js';
import { runHttp10Client } from './http10.js';
import { CONCURRENCY, CONNECTIONS, type LoadResult, type LoadSpec } from './load-spec.js';
import { runWrk } from './wrk.js';

export type ClientName = 'wrk' | 'autocannon' | 'ab' | 'http1.0-client';

/** The first of `wanted` that can run here: autocannon and the bench's HTTP/1.0 client always can. */
export function pickClient(wanted: readonly ClientName[], tools: Tools): ClientName {
  return wanted.find((name) => (name === 'wrk' || name === 'ab' ? tools[name] !== null : true))!;
}

/** The command line, as the report prints it. */
export function describeClient(name: ClientName, spec: LoadSpec): string {
  const ka = spec.keepAlive ? '' : ' -H "Connection: close"';
  const upload = spec.uploadBytes ? ` (POST ${spec.uploadBytes} B)` : '';
  const https = spec.url.startsWith('https:') ? ' https://' : '';
  switch (name) {
    case 'wrk':
      return `wrk -t1 -c${CONNECTIONS} -d${spec.seconds}s --timeout 5s${ka}${upload}${https}`;
    case 'autocannon':
      return `autocannon -c ${CONNECTIONS} -d ${spec.seconds}${spec.keepAlive ? '' : ' -H connection=close'}${upload}`;
    case 'ab':
      return `ab -r -s 5 -n ${spec.requests} -c ${CONCURRENCY}${spec.keepAlive ? ' -k' : ''}${upload}`;
    case 'http1.0-client':
      return `bench http1.0-client -n ${spec.requests} -c ${CONCURRENCY}${spec.keepAlive ? ' keep-alive' : ''}${upload}`;
  }
}

export function runClient(name: ClientName, tools: Tools, spec: LoadSpec): Promise<LoadResult> {
  switch (name) {
    case 'wrk':
      return runWrk(tools.wrk!, spec);
    case 'autocannon':
      return runAutocannon(spec);
    case 'ab':
      return runAb(tools.ab!, spec);
    case 'http1.0-client':
      return runHttp10Client(spec);
  }
}
