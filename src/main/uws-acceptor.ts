import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Acceptor } from './acceptor.js';
import type { AtomHandle } from './client-side.js';
import { errorText } from './error-text.js';
import type { Forwarder } from './forwarder.js';
import { cleanRequestHeaders, invalidRequestReason } from './request-headers.js';
import type { UwsModule } from './uws-loader.js';
import { UwsResponder } from './uws-responder.js';

/**
 * The opt-in fast engine: uWebSockets.js 20.30. HTTP/1.1 only — this build leaves HTTP/1.0 requests
 * unanswered and closes connections that pipeline while a response is pending (FEASIBILITY A1, A3) — and its
 * parser drops malformed requests silently instead of answering 400/431. What the proxy can still check it
 * does here: duplicate Host or Content-Length is a 400 (uWS accepts both), the client address comes from the
 * socket (never from a PROXY header any client may send), and every handler attaches onAborted.
 */
export class UwsAcceptor implements Acceptor {
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  /** Stands in for a client connection number (AtomRequest.home): uWS exposes none. */
  private requestsOpened = 0;
  /** Responses neither completed nor aborted (after completion uWS may still hold unsent bytes; see docs). */
  responding = 0;
  private readonly settled = (): void => {
    this.responding--;
  };

  constructor(
    private readonly uws: UwsModule,
    private readonly forwarder: Forwarder,
    private readonly log: Logger,
  ) {
    this.app = uws.App().any('/*', this.onRequest);
  }

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

  async stopAccepting(): Promise<void> {
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  /** Closes every client socket; uWS must not be left with open handles when the loop ends (FEASIBILITY A8). */
  async close(): Promise<void> {
    (this.app as unknown as { close?: () => void }).close?.();
  }

  private readonly onRequest = (response: HttpResponse, request: HttpRequest): void => {
    // HttpRequest lives on uWS's stack: read everything now.
    const method = request.getCaseSensitiveMethod();
    const query = request.getQuery();
    const path = query ? `${request.getUrl()}?${query}` : request.getUrl();
    const raw: string[] = [];
    request.forEach((name, value) => raw.push(name, value));
    const address = Buffer.from(response.getRemoteAddressAsText()).toString();

    const cleaned = cleanRequestHeaders(raw, { address, httpVersion: '1.1', authority: null });
    const hasBody = cleaned.chunked || cleaned.contentLength > 0;
    // uWS 20.30 closes after the response exactly when the Connection value has 5 characters ("close",
    // but also "abcde"; FEASIBILITY A2), and never says so: announce what it will do.
    this.responding++;
    const responder = new UwsResponder(response, method === 'HEAD', request.getHeader('connection').length === 5, this.settled);
    let handle: AtomHandle | null = null;
    // Both callbacks must be attached before anything answers: uWS forbids touching a finished response.
    response.onAborted(() => {
      if (responder.aborted) return; // we cut it ourselves (responder.abort): the exchange already knows
      responder.markAborted();
      handle?.clientGone();
    });
    if (hasBody) {
      response.onData((chunk, isLast) => {
        // uWS neuters the ArrayBuffer when this callback returns, so keep a copy.
        if (chunk.byteLength > 0) handle?.body(new Uint8Array(chunk.slice(0)));
        if (isLast) handle?.bodyEnd();
      });
    }

    const invalid = invalidRequestReason(cleaned);
    if (invalid) {
      this.log.warn({ status: 400, cause: invalid, client: address }, 'client request rejected');
      responder.reject(400, errorText(400), [], true);
      return;
    }
    handle = this.forwarder.open(
      { method, path, headers: cleaned.headers, hasBody, contentLength: cleaned.chunked ? -1 : cleaned.contentLength,
        home: this.requestsOpened++ },
      responder,
    );
  };
}
