/**
 * The CPU floor of the node engine's stack: node:http in front, undici's Client behind, one thread, and nothing
 * of atomproxy (no limits, no pool index, no threads). Benchmark target `bare/node`; not a product.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { HOP_BY_HOP, type ResponseSink } from './relay-call.js';
import { exitOnSigterm, relayArguments } from './relay-command-line.js';
import { upstreamClients } from './upstream-clients.js';

class NodeSink implements ResponseSink {
  constructor(private readonly response: ServerResponse) {}

  head(status: number, reason: string, headers: string[]): void {
    this.response.writeHead(status, reason, headers);
  }

  write(chunk: Buffer): boolean {
    return this.response.write(chunk);
  }

  whenWritable(resume: () => void): void {
    this.response.once('drain', resume);
  }

  end(): void {
    this.response.end();
  }

  fail(): void {
    this.response.destroy();
  }
}

const { port, origin } = relayArguments();
const send = upstreamClients(origin, HOP_BY_HOP);

function relay(request: IncomingMessage, response: ServerResponse): void {
  const headers: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
  // Only a request with a body streams one: undici would send any stream body chunked, even an empty GET's.
  const hasBody = request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
  const call = send({ path: request.url!, method: request.method!, headers, body: hasBody ? request : null }, new NodeSink(response));
  response.once('close', () => {
    if (!response.writableFinished) call.cancel();
  });
}

createServer(relay).listen(port, '127.0.0.1');
exitOnSigterm();
