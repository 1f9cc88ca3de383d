import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Acceptor } from './acceptor.js';
import type { AtomHandle, ClientResponder } from './client-side.js';
import type { Config } from './config.js';
import { errorText, rawErrorResponse } from './error-text.js';
import type { Forwarder } from './forwarder.js';
import { cleanRequestHeaders, invalidRequestReason } from './request-headers.js';
import { parseTarget } from './request-target.js';

/** Per client connection: when it was accepted and how many requests it carried, for the client policies. */
interface ClientConnection {
  /** Sequence number of the connection (AtomRequest.home). */
  number: number;
  acceptedAt: number;
  requests: number;
  /**
   * What to run when each of its responses is over. A pipelined response still queued behind another never
   * gets the socket, so it never emits 'close': the socket's close settles it.
   */
  pending: Set<() => void>;
}
const clientConnections = new WeakMap<Socket, ClientConnection>();

/** Answers one request through node:http's ServerResponse. */
class NodeResponder implements ClientResponder {
  constructor(
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    private readonly closeAfter: boolean,
  ) {}

  head(status: number, reason: string, headers: string[]): boolean {
    if (this.closeAfter) headers.push('connection', 'close');
    try {
      this.response.writeHead(status, reason, headers);
      return true;
    } catch {
      // node refuses a header the upstream sent (e.g. a control character in a value): a malformed response.
      return false;
    }
  }

  write(chunk: Uint8Array): boolean {
    return this.response.write(chunk);
  }

  onDrain(callback: () => void): void {
    this.response.once('drain', callback);
  }

  end(): void {
    this.response.end();
  }

  reject(status: number, text: string, extraHeaders: string[], closeConnection: boolean): void {
    const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(text)), ...extraHeaders];
    if (closeConnection || this.closeAfter) headers.push('connection', 'close');
    this.response.writeHead(status, headers);
    this.response.end(text);
  }

  abort(): void {
    this.response.destroy();
  }

  pauseBody(): void {
    this.request.pause();
  }

  resumeBody(): void {
    this.request.resume();
  }
}

/**
 * The default engine: node:http's llhttp parser, so HTTP/1.0 and 1.1, keep-alive rules, pipelining (answered
 * in order) and 400/431/408 on malformed, oversized or slow headers all come from a complete parser.
 */
export class NodeAcceptor implements Acceptor {
  private readonly server: Server;
  /** Requests whose response has not closed yet: ended responses may still be flushing to slow clients. */
  responding = 0;
  private connectionsAccepted = 0;

  constructor(
    private readonly config: Config,
    private readonly forwarder: Forwarder,
    private readonly log: Logger,
  ) {
    const client = config.client;
    this.server = createServer({
      maxHeaderSize: client.maxHeaderBytes,
      keepAliveTimeout: client.idleTimeoutMs,
      headersTimeout: client.headerTimeoutMs,
      // Body time is bounded by the upstream timeouts, not by a whole-request deadline that would cut long uploads.
      requestTimeout: 0,
      connectionsCheckingInterval: Math.min(1000, client.headerTimeoutMs),
      noDelay: true,
    });
    this.server.on('connection', (socket: Socket) => {
      const connection: ClientConnection = {
        number: this.connectionsAccepted++,
        acceptedAt: performance.now(),
        requests: 0,
        pending: new Set(),
      };
      clientConnections.set(socket, connection);
      socket.once('close', () => {
        for (const settle of connection.pending) settle();
      });
    });
    this.server.on('request', this.onRequest);
    this.server.on('clientError', this.onClientError);
    this.server.on('connect', (request: IncomingMessage, socket: Socket) => {
      this.log.warn({ status: 405, cause: `CONNECT ${request.url}: tunnelling is not supported`, client: socket.remoteAddress }, 'client request rejected');
      socket.end(rawErrorResponse(405, 'Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n'));
    });
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Closes the listener and the idle keep-alive connections; busy ones are closed by close() after the drain. */
  async stopAccepting(): Promise<void> {
    this.server.close();
    this.server.closeIdleConnections();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
  }

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const socket = request.socket;
    const target = parseTarget(request.url ?? '/');
    const cleaned = cleanRequestHeaders(request.rawHeaders, {
      address: socket.remoteAddress ?? '',
      httpVersion: request.httpVersion === '1.0' ? '1.0' : '1.1',
      authority: target.authority,
    });
    const connection = clientConnections.get(socket)!; // the 'connection' listener runs before any request
    const closeAfter = this.isLastRequest(connection);
    let handle: AtomHandle | null = null;
    // Counts the response until it is over (flushed, or its connection gone); tells the atom if it was cut short.
    this.responding++;
    const settle = (): void => {
      if (!connection.pending.delete(settle)) return; // already settled
      this.responding--;
      if (!response.writableFinished) handle?.clientGone();
    };
    connection.pending.add(settle);
    response.once('close', settle);
    const responder = new NodeResponder(request, response, closeAfter);
    const invalid = target.path === null ? `request target ${JSON.stringify(request.url)} cannot be forwarded` : invalidRequestReason(cleaned);
    if (invalid) {
      this.log.warn({ status: 400, cause: invalid, client: socket.remoteAddress }, 'client request rejected');
      responder.reject(400, errorText(400), [], true);
      return;
    }
    const hasBody = cleaned.chunked || cleaned.contentLength > 0;
    const atom = this.forwarder.open(
      {
        method: request.method ?? 'GET',
        path: target.path!,
        headers: cleaned.headers,
        hasBody,
        contentLength: cleaned.chunked ? -1 : cleaned.contentLength,
        home: connection.number,
      },
      responder,
    );
    handle = atom;
    if (hasBody) {
      request.on('data', (chunk: Buffer) => atom.body(chunk));
      request.on('end', () => atom.bodyEnd());
    }
  };

  /** ATOM_CLIENT_MAX_REQUESTS or ATOM_CLIENT_MAX_LIFETIME_MS reached: this response says Connection: close. */
  private isLastRequest(connection: ClientConnection): boolean {
    const { maxRequests, maxLifetimeMs } = this.config.client;
    connection.requests++;
    return (
      (maxRequests > 0 && connection.requests >= maxRequests) ||
      (maxLifetimeMs > 0 && performance.now() - connection.acceptedAt >= maxLifetimeMs)
    );
  }

  private readonly onClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const cause = error.code ?? error.message;
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // The response on this connection belongs to an earlier, complete request (pipelining) or has started:
    // raw error bytes would be read as its answer or land inside it, so the only clean answer is to close.
    // A request whose own body is malformed is still incomplete, and gets its 400.
    const responding = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (responding && (responding.headersSent || responding.req.complete)) {
      this.log.warn({ status, cause, client: socket.remoteAddress }, 'client request rejected mid-pipeline; closing');
      socket.destroy();
      return;
    }
    this.log.warn({ status, cause, client: socket.remoteAddress }, 'client request rejected');
    socket.end(rawErrorResponse(status));
  };
}
