import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ClientTlsConfig } from '../../main/config.js';

/** The oldest TLS version a client may speak (TLS 1.0 and 1.1 are refused, RFC 8996). */
export const MIN_TLS_VERSION = 'TLSv1.2';

/** One certificate of the TLS listener, read in this thread (the files were checked at start). */
export interface ServerCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  /** The DNS names it serves, from its subject alternative names (else its common name); may hold wildcards. */
  names: string[];
}

function dnsNames(pem: string): string[] {
  const certificate = new X509Certificate(pem);
  const alternatives = (certificate.subjectAltName ?? '').split(', ').filter((entry) => entry.startsWith('DNS:'));
  if (alternatives.length) return alternatives.map((entry) => entry.slice('DNS:'.length));
  const commonName = /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
  return commonName ? [commonName] : [];
}

/** The listener's certificates in ATOM_TLS_CERT_FILE order: the first one answers clients no other names. */
export function loadServerCertificates(tls: ClientTlsConfig): ServerCertificate[] {
  return tls.certFiles.map((certFile, i) => {
    const keyFile = tls.keyFiles[i]!;
    const cert = readFileSync(certFile, 'utf8');
    return { certFile, keyFile, cert, key: readFileSync(keyFile, 'utf8'), names: dnsNames(cert) };
  });
}

/** What an engine needs to run the TLS listener. */
export interface ServerTls {
  certificates: ServerCertificate[];
  /**
   * Session-ticket keys shared by every thread, so a client resumes its session whichever thread the kernel
   * hands its next connection to (48 bytes, made at start; node engine only: uWS takes no ticket keys).
   */
  ticketKeys: Uint8Array;
}
