import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import net, { type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Acceptor } from './acceptor.js';
import { ClientConnection, type AbandonedBody } from './client-connection.js';
import type { AtomHandle, ClientResponder } from './client-side.js';
import type { Config } from '../../main/config.js';
import { errorText, rawErrorResponse } from './error-text.js';
import type { Forwarder } from '../router/forwarder.js';
import { refuseRequestHead, type Refusal } from './request-framing.js';
import { atomRequestOf, cleanRequestHeaders } from './request-headers.js';
import { parseTarget } from './request-target.js';
import { http, https } from '../../shared/node-http.js';
import { MIN_TLS_VERSION, type ServerTls } from './server-certificates.js';

const clientConnections = new WeakMap<Socket, ClientConnection>();

/** Answers one request through node:http's ServerResponse. */
class NodeResponder implements ClientResponder {
  constructor(
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    private readonly connection: ClientConnection,
    /** This response ends its connection, as decided when its request arrived. */
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
    if (closeConnection) this.connection.closing = true;
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
  private readonly server: Server | TlsServer;
  /** Requests whose response has not closed yet: ended responses may still be flushing to slow clients. */
  responding = 0;
  openConnections = 0;
  lastRequestAt = 0;
  private draining = false;
  private refusing = false;

  constructor(
    private readonly config: Config,
    private readonly forwarder: Forwarder,
    private readonly log: Logger,
    /** Terminate TLS with these certificates (the ATOM_TLS_PORT listener); null: plain HTTP. */
    private readonly tls: ServerTls | null,
  ) {
    const client = config.client;
    const options: ServerOptions = {
      maxHeaderSize: client.maxHeaderBytes,
      keepAliveTimeout: client.idleTimeoutMs,
      headersTimeout: client.headerTimeoutMs,
      // Body time is bounded by the upstream timeouts, not by a whole-request deadline that would cut long uploads.
      requestTimeout: 0,
      connectionsCheckingInterval: Math.min(1000, client.headerTimeoutMs),
      noDelay: true,
    };
    this.server = tls ? this.createTlsServer(options, tls) : http.createServer(options);
    // One above the limit, so that a request over it is seen (and refused) instead of silently cut short.
    this.server.maxHeadersCount = client.maxHeaderFields + 1;
    // Over TLS, requests come on the TLSSocket, which exists once the handshake is done.
    this.server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      const connection = new ClientConnection(socket);
      clientConnections.set(socket, connection);
      this.openConnections++;
      socket.once('close', () => {
        this.openConnections--;
        this.forwarder.clientClosed(connection.id);
      });
    });
    this.server.on('request', this.onRequest);
    this.server.on('clientError', this.onClientError);
    this.server.on('connect', (request: IncomingMessage, socket: Socket) => {
      this.log.warn({ status: 405, cause: `CONNECT ${request.url}: tunnelling is not supported`, client: socket.remoteAddress }, 'client request rejected');
      const connection = clientConnections.get(socket)!;
      connection.closing = true;
      // After the answers to the requests pipelined before it, never in their place.
      connection.whenResponsesOver(() => socket.end(rawErrorResponse(405, 'Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n')));
    });
  }

  /** The first certificate is the default; the others answer the server names (SNI) they carry. */
  private createTlsServer(options: ServerOptions, tls: ServerTls): TlsServer {
    const [first, ...others] = tls.certificates;
    const server = https.createServer({ ...options, cert: first!.cert, key: first!.key, minVersion: MIN_TLS_VERSION, ticketKeys: Buffer.from(tls.ticketKeys) });
    for (const certificate of others) {
      for (const name of certificate.names) server.addContext(name, { cert: certificate.cert, key: certificate.key, minVersion: MIN_TLS_VERSION });
    }
    return server;
  }

  listen(host: string, port: number, shared: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host, reusePort: shared }, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /**
   * Closes the listener only: from now on every response says Connection: close and node:http ends its
   * connection after it. Idle keep-alive connections stay until their next request or close() (http.Server's own
   * close() would cut them at once, racing requests already on their way), hence net.Server's close.
   */
  async stopAccepting(): Promise<void> {
    this.draining = true;
    net.Server.prototype.close.call(this.server);
  }

  /** Also closes the idle keep-alive connections: the thread is drained, and one sending now would be cut. */
  refuseRequests(): void {
    this.refusing = true;
    this.server.closeIdleConnections();
  }

  async close(): Promise<void> {
    this.server.close(); // http.Server's: also stops its connection checks
    this.server.closeAllConnections();
  }

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const socket = request.socket;
    const connection = clientConnections.get(socket)!; // the 'connection' listener runs before any request
    this.lastRequestAt = performance.now();
    if (this.refusing) {
      socket.destroy();
      return;
    }
    // Parsed behind a response that closes the connection (pipelined, or in the same read): never forwarded.
    if (connection.closing) return;
    // node:http already decided from the client's Connection header and version; our client limits add to it.
    const lastByPolicy = this.isLastRequest(connection);
    if (!response.shouldKeepAlive || lastByPolicy || this.draining) connection.closing = true;
    let handle: AtomHandle | null = null;
    // Counts the response until it is over (flushed, or its connection gone); tells the atom if it was cut short.
    this.responding++;
    const settle = (): void => {
      if (!connection.untrack(settle)) return; // already settled
      this.responding--;
      if (!response.writableFinished) handle?.clientGone();
    };
    connection.track(settle);
    response.once('close', settle);
    const responder = new NodeResponder(request, response, connection, connection.closing);
    const httpVersion = request.httpVersion;
    const target = parseTarget(request.url ?? '/');
    const refusal: Refusal | null =
      target.path === null
        ? { status: 400, cause: `request target ${JSON.stringify(request.url)} cannot be forwarded` }
        : refuseRequestHead(request.rawHeaders, { httpVersion, maxFields: this.config.client.maxHeaderFields });
    if (refusal) {
      this.log.warn({ ...refusal, client: socket.remoteAddress }, 'client request rejected');
      responder.reject(refusal.status, errorText(refusal.status), [], true);
      return;
    }
    const cleaned = cleanRequestHeaders(request.rawHeaders, {
      address: socket.remoteAddress ?? '',
      proto: this.tls ? 'https' : 'http',
      httpVersion,
      authority: target.authority,
    });
    const atomRequest = atomRequestOf(request.method ?? 'GET', target.path!, cleaned, `${socket.remoteAddress}:${socket.remotePort}`, connection.id);
    if (!atomRequest.hasBody) {
      handle = this.forwarder.open(atomRequest, responder);
      return;
    }
    let abandoned = false;
    connection.readingBody((): AbandonedBody => {
      // Complete already (node:http emits 'end' a turn late): the error is in a later request, not in this body.
      if (request.complete) return 'none';
      abandoned = true;
      const started = response.headersSent && !response.writableFinished;
      settle();
      return started ? 'mid-response' : 'cancelled';
    });
    const open = (): void => {
      if (abandoned) return;
      const atom = this.forwarder.open(atomRequest, responder);
      handle = atom;
      request.on('data', (chunk: Buffer) => atom.body(chunk));
      request.on('end', () => atom.bodyEnd());
    };
    // A chunked body can turn out malformed in the very read that brought its head: open the atom a turn later,
    // so that such a request never reaches an upstream. node:http holds the body until a listener reads it.
    if (cleaned.chunked) setImmediate(open);
    else open();
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

  /**
   * A parse error: malformed or oversized headers, a bad chunk, garbage after a request. Nothing after the error
   * is forwarded. The responses to requests before it are still sent, in order; then a raw 400/408/431 and a
   * close. When the error is in the body of a request whose response already started, the connection is cut.
   */
  private readonly onClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
    const connection = clientConnections.get(socket);
    if (error.code === 'ECONNRESET' || !socket.writable || !connection) {
      socket.destroy();
      return;
    }
    if (connection.parseFailed) return; // node:http reports the error again for every later read
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const cause = error.code ?? error.message;
    const wasClosing = connection.closing;
    const body = connection.closeAfterParseError();
    if (body === 'mid-response') {
      this.log.warn({ status, cause, client: socket.remoteAddress }, 'client request body malformed mid-response; closing');
      socket.destroy();
      return;
    }
    if (wasClosing && body === 'none') {
      // Bytes sent after a response that closes the connection: they are nobody's request, so no answer.
      connection.whenResponsesOver(() => socket.destroySoon());
      return;
    }
    this.log.warn({ status, cause, client: socket.remoteAddress }, 'client request rejected');
    connection.whenResponsesOver(() => {
      if (socket.writable) socket.end(rawErrorResponse(status));
    });
  };
}
