import { UPLOAD_PATH } from './origin/payloads.js';
import type { ClientName } from './load/clients.js';

/** A client mode: what the clients send, and which load clients can send it (best first). */
export interface Mode {
  id: string;
  title: string;
  path: string;
  http10: boolean;
  keepAlive: boolean;
  /** HTTPS from the clients to the proxy (the origin stays plain HTTP): the proxy terminates TLS. */
  tls: boolean;
  uploadBytes: number;
  clients: ClientName[];
  /** Body-size modes: in every full run, in --quick only with --bodies. */
  bodies: boolean;
}

const HTTP11 = { http10: false, keepAlive: true, tls: false, uploadBytes: 0, path: '/', clients: ['wrk', 'autocannon'] as ClientName[], bodies: false };
const HTTP10 = { ...HTTP11, http10: true, clients: ['ab', 'http1.0-client'] as ClientName[] };
/**
 * wrk only (autocannon would saturate first). It negotiates TLS 1.3 and verifies nothing; each of its connection
 * slots keeps one SSL object (SSL_shutdown then SSL_clear keep its session), so a reconnect resumes the last ticket.
 */
const HTTPS = { ...HTTP11, tls: true, clients: ['wrk'] as ClientName[] };

export const MODES: readonly Mode[] = [
  { ...HTTP11, id: 'keep-alive', title: 'keep-alive HTTP/1.1 clients, 64 connections' },
  { ...HTTP11, id: 'close', title: 'HTTP/1.1 clients sending Connection: close (a new client connection per request)', keepAlive: false },
  { ...HTTP10, id: 'http1.0', title: 'HTTP/1.0 clients without keep-alive', keepAlive: false },
  { ...HTTP10, id: 'http1.0-keep-alive', title: 'HTTP/1.0 clients with Connection: Keep-Alive' },
  { ...HTTPS, id: 'tls-keep-alive', title: 'keep-alive HTTPS clients, 64 connections (the proxy terminates TLS)' },
  {
    ...HTTPS,
    id: 'tls-close',
    title: 'HTTPS clients sending Connection: close: a TLS 1.3 handshake per request, resumed from the ticket of the last one',
    keepAlive: false,
  },
  { ...HTTP11, id: 'autocannon', title: 'keep-alive HTTP/1.1 clients driven by autocannon (caps near 38k req/s)', clients: ['autocannon'] },
  { ...HTTP11, id: 'get-1k', title: 'keep-alive, 1 KiB responses', path: '/1k', bodies: true },
  { ...HTTP11, id: 'get-64k', title: 'keep-alive, 64 KiB responses', path: '/64k', bodies: true },
  { ...HTTP11, id: 'get-1m', title: 'keep-alive, 1 MiB responses', path: '/1m', bodies: true },
  { ...HTTP11, id: 'post-64k', title: 'keep-alive, 64 KiB uploads', path: UPLOAD_PATH, uploadBytes: 64 * 1024, bodies: true },
];
