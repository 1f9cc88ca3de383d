import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Acceptor } from './acceptor.js';
import type { AtomHandle } from './client-side.js';
import type { Config } from '../../main/config.js';
import { errorText } from './error-text.js';
import type { Forwarder } from '../router/forwarder.js';
import { refuseRequestHead, type Refusal } from './request-framing.js';
import type { ServerTls } from './server-certificates.js';
import { atomRequestOf, cleanRequestHeaders } from './request-headers.js';
import { byteString } from './uws-bytes.js';
import type { UwsModule } from './uws-loader.js';
import { UwsRequestBody } from './uws-request-body.js';
import { UwsResponder } from './uws-responder.js';

/**
 * The opt-in fast engine: uWebSockets.js (20.57 or 20.30, docs/configuration.md). HTTP/1.1 only — no build
 * parses HTTP/1.0, and uWS closes connections that pipeline while a response is pending (FEASIBILITY A1, A3).
 * What uWS's parser lets through is checked here as strictly as in the node engine (request-framing.ts, with
 * the head read back into bytes), refusals are answered a turn later so nothing parsed behind them runs, the
 * client address comes from the socket (never from a PROXY header any client may send), and every handler
 * attaches onAborted.
 */
export class UwsAcceptor implements Acceptor {
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  private refusing = false;
  private draining = false;
  /** Responses neither completed nor aborted (after completion uWS may still hold unsent bytes; see docs). */
  responding = 0;
  readonly openConnections = null;
  lastRequestAt = 0;
  private readonly settled = (): void => {
    this.responding--;
  };

  constructor(
    private readonly uws: UwsModule,
    private readonly client: Config['client'],
    private readonly forwarder: Forwarder,
    private readonly log: Logger,
    /** Terminate TLS with these certificates (the ATOM_TLS_PORT listener); null: plain HTTP. */
    private readonly tls: ServerTls | null,
  ) {
    this.app = tls ? this.createTlsApp(tls) : uws.App().any('/*', this.onRequest);
  }

  /**
   * uWS reads the PEM files itself. The first certificate is the default; each other one is added for the server
   * names (SNI) it carries, with the same route. uSockets refuses TLS below 1.2 itself; it takes no ticket keys.
   */
  private createTlsApp(tls: ServerTls): TemplatedApp {
    const files = (certificate: ServerTls['certificates'][number]) => ({ key_file_name: certificate.keyFile, cert_file_name: certificate.certFile });
    const [first, ...others] = tls.certificates;
    const app = this.uws.SSLApp(files(first!)).any('/*', this.onRequest);
    for (const certificate of others) {
      for (const name of certificate.names) app.addServerName(name, files(certificate)).domain(name).any('/*', this.onRequest);
    }
    return app;
  }

  /** uWS always listens with SO_REUSEPORT (uSockets' default), so every thread can share the port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, (listenSocket) => {
        if (!listenSocket) {
          reject(new Error(`uWebSockets.js could not listen on ${host}:${port}`));
          return;
        }
        this.listenSocket = listenSocket;
        resolve(this.uws.us_socket_local_port(listenSocket as never));
      });
    });
  }

  /**
   * Closes the listener; from now on every response says Connection: close. uWS's tryEnd cannot close the
   * connection after a response, so it is the client that closes it, as RFC 9112 §9.6 asks; the thread closes
   * whatever is left once no request came for a while (ThreadProxy.reportDrained).
   */
  async stopAccepting(): Promise<void> {
    this.draining = true;
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  refuseRequests(): void {
    this.refusing = true;
  }

  /** Closes every client socket; uWS must not be left with open handles when the loop ends (FEASIBILITY A8). */
  async close(): Promise<void> {
    (this.app as unknown as { close?: () => void }).close?.();
  }

  private readonly onRequest = (response: HttpResponse, request: HttpRequest): void => {
    if (this.refusing) {
      response.close();
      return;
    }
    this.lastRequestAt = performance.now();
    // HttpRequest lives on uWS's stack: read everything now.
    const method = request.getCaseSensitiveMethod();
    const query = request.getQuery();
    const target = byteString(query ? `${request.getUrl()}?${query}` : request.getUrl());
    const raw: string[] = [];
    let lossy = target === null;
    // The request line and the header block as they were on the wire (uWS drops only the CRLFs and ": ").
    let headBytes = method.length + (target?.length ?? 0) + ' HTTP/1.1\r\n\r\n'.length;
    request.forEach((name, value) => {
      const bytes = byteString(value);
      if (bytes === null) lossy = true;
      raw.push(name, bytes ?? '');
      headBytes += name.length + (bytes?.length ?? 0) + ': \r\n'.length;
    });
    const address = Buffer.from(response.getRemoteAddressAsText()).toString();
    const { maxHeaderBytes, maxHeaderFields } = this.client;
    const refusal: Refusal | null = lossy
      ? { status: 400, cause: 'a header value or the target is not UTF-8, so its bytes cannot be forwarded as they came' }
      : headBytes > maxHeaderBytes
        ? { status: 431, cause: `request head of ${headBytes} bytes, over ATOM_MAX_HEADER_BYTES (${maxHeaderBytes})` }
        : refuseRequestHead(raw, { httpVersion: '1.1', maxFields: maxHeaderFields });

    // uWS 20.30 closes after the response exactly when the Connection value has 5 characters ("close",
    // but also "abcde"; FEASIBILITY A2), and never says so: announce what it will do. While draining, every
    // response says so too.
    this.responding++;
    const body = new UwsRequestBody(response);
    const closing = this.draining || request.getHeader('connection').length === 5;
    const responder = new UwsResponder(response, body, method === 'HEAD', closing, this.settled);
    let handle: AtomHandle | null = null;
    // Both callbacks must be attached before anything answers: uWS forbids touching a finished response.
    response.onAborted(() => {
      if (responder.aborted) return; // we cut it ourselves (responder.abort): the exchange already knows
      responder.markAborted();
      handle?.clientGone();
    });
    if (refusal) {
      this.log.warn({ ...refusal, client: address }, 'client request rejected');
      // Answered a turn later, never inside this handler: a request uWS parses from the same read finds this
      // response pending and makes uWS close the connection instead of running it (FEASIBILITY A3), so no byte
      // sent after a refused request is forwarded.
      setImmediate(() => responder.reject(refusal.status, errorText(refusal.status), [], true));
      return;
    }

    const cleaned = cleanRequestHeaders(raw, { address, proto: this.tls ? 'https' : 'http', httpVersion: '1.1', authority: null });
    const atomRequest = atomRequestOf(method, target!, cleaned, address, 0);
    if (!atomRequest.hasBody) {
      handle = this.forwarder.open(atomRequest, responder);
      return;
    }
    // uWS neuters the ArrayBuffer when this callback returns, so keep a copy.
    response.onData((chunk, isLast) => body.receive(new Uint8Array(chunk.slice(0)), isLast));
    const open = (): void => {
      if (responder.aborted) return;
      handle = this.forwarder.open(atomRequest, responder);
      body.attach(handle);
    };
    // A bad chunk in the read that brought the head makes uWS close the connection while this handler's caller
    // is still parsing: open the atom a turn later, so such a request never reaches an upstream.
    if (cleaned.chunked) setImmediate(open);
    else open();
  };
}
