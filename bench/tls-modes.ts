import { findTool } from '../test/helpers/find-tool.js';
import type { Mode } from './modes.js';
import { issueServedCertificate, type ServedCertificate } from './targets/served-certificate.js';
import type { Target } from './targets/target.js';
import type { Tools } from './tools.js';

/** What the TLS modes need from the throughput scenario: the certificate to serve (null: they do not run), and notes. */
export interface TlsModes {
  certificate: ServedCertificate | null;
  notes: string[];
  /** Deletes the certificate's keys. */
  remove(): void;
}

/**
 * Makes the certificate when a TLS mode is asked for and can run, and says which targets those modes leave out:
 * the origin (so `direct`) speaks plain HTTP, and the bare relays and a baseline build have no HTTPS listener.
 */
export function prepareTlsModes(targets: Target[], modes: Mode[], tools: Tools): TlsModes {
  const none = { certificate: null, notes: [], remove: () => {} };
  const tlsModes = modes.filter((mode) => mode.tls).map((mode) => mode.id);
  if (!tlsModes.length) return none;
  const which = tlsModes.join(', ');
  // autocannon could speak HTTPS, but the ratios to nginx need a client that does not saturate first (see wrk in docs).
  if (!tools.wrk) return { ...none, notes: [`${which}: need wrk, which is not installed`] };
  if (!findTool('openssl')) return { ...none, notes: [`${which}: need openssl to make the certificate`] };
  const plain = targets.filter((target) => !target.terminatesTls).map((target) => target.id);
  const notes = plain.length ? [`${which}: not run for ${plain.join(', ')}: no HTTPS listener (direct goes to the plain-HTTP origin)`] : [];
  return { ...issueServedCertificate(), notes };
}
