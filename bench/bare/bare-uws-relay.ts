/**
 * The CPU floor of the uws engine's stack: uWebSockets.js in front (the build src's loader picks), undici's
 * Client behind, one thread, and nothing of atomproxy. Benchmark target `bare/uws`; not a product.
 */
import { Readable } from 'node:stream';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { loadNativeUws } from '../../src/workers/client/uws-loader.js';
import { HOP_BY_HOP, type RelayCall, type ResponseSink } from './relay-call.js';
import { exitOnSigterm, relayArguments } from './relay-command-line.js';
import { upstreamClients } from './upstream-clients.js';

/** uWS frames the body itself (write: chunked) and writes its own Date. */
const WRITTEN_BY_UWS = new Set([...HOP_BY_HOP, 'content-length', 'date']);

/** Every call is corked (one send per call), and nothing touches the response once uWS said it was aborted: uWS would throw. */
class UwsSink implements ResponseSink {
  aborted = false;

  constructor(
    private readonly response: HttpResponse,
    /** uWS closes the connection after this response without saying so: the response must (RFC 9112 §9.6). */
    private readonly closing: boolean,
  ) {}

  head(status: number, reason: string, headers: string[]): void {
    if (this.aborted) return;
    this.response.cork(() => {
      this.response.writeStatus(`${status} ${reason}`);
      for (let i = 0; i < headers.length; i += 2) this.response.writeHeader(headers[i]!, headers[i + 1]!);
      if (this.closing) this.response.writeHeader('connection', 'close');
    });
  }

  write(chunk: Buffer): boolean {
    // An empty write would end the chunked body (undici sometimes delivers an empty chunk).
    if (this.aborted || chunk.byteLength === 0) return true;
    let taken = true;
    this.response.cork(() => (taken = this.response.write(chunk)));
    return taken;
  }

  whenWritable(resume: () => void): void {
    this.response.onWritable(() => {
      resume();
      return true;
    });
  }

  end(): void {
    if (!this.aborted) this.response.cork(() => this.response.end());
  }

  fail(): void {
    if (!this.aborted) this.response.close();
  }
}

/** The request body as a stream for undici, without flow control: the bench's throughput modes upload 64 KiB at most. */
function requestBody(response: HttpResponse): Readable {
  const body = new Readable({ read() {} });
  response.onData((chunk, isLast) => {
    if (chunk.byteLength > 0) body.push(Buffer.from(chunk.slice(0))); // uWS neuters `chunk` when this returns
    if (isLast) body.push(null);
  });
  return body;
}

const { port, origin } = relayArguments();
const uws = loadNativeUws().module;
const send = upstreamClients(origin, WRITTEN_BY_UWS);

function relay(response: HttpResponse, request: HttpRequest): void {
  // uWS 20.30 closes after the response exactly when the Connection value has 5 characters ("close"), as the uws engine knows.
  const sink = new UwsSink(response, request.getHeader('connection').length === 5);
  let call: RelayCall | null = null;
  response.onAborted(() => {
    sink.aborted = true;
    call?.cancel();
  });
  // HttpRequest lives on uWS's stack: everything is read before this handler returns.
  const headers: string[] = [];
  let hasBody = false;
  request.forEach((name, value) => {
    if (name === 'content-length' || name === 'transfer-encoding') hasBody = true;
    if (!HOP_BY_HOP.has(name)) headers.push(name, value);
  });
  const query = request.getQuery();
  const path = query ? `${request.getUrl()}?${query}` : request.getUrl();
  call = send({ path, method: request.getCaseSensitiveMethod(), headers, body: hasBody ? requestBody(response) : null }, sink);
}

uws
  .App()
  .any('/*', relay)
  .listen('127.0.0.1', port, (listening) => {
    if (!listening) throw new Error(`uWebSockets.js could not listen on 127.0.0.1:${port}`);
  });
exitOnSigterm();
