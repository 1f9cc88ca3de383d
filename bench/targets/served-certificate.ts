import { writeFileSync } from 'node:fs';
import { makeAuthority, type IssuedCertificate } from '../../test/helpers/certificates.js';
import { registerStop } from '../cleanup.js';

/** A certificate a target serves to its HTTPS clients: PEM files apart (atomproxy, nginx) and joined (HAProxy). */
export interface ServedCertificate extends IssuedCertificate {
  /** The certificate and its key in one PEM file, as HAProxy's `crt` takes them. */
  pemFile: string;
}

/** A target's HTTPS listener beside its plain one: the port it was given and what it serves there. */
export interface TlsListener {
  port: number;
  certificate: ServedCertificate;
}

/** Adds the joined PEM file beside the issued key (leafN.key → leafN.pem), where remove() finds it. */
export function served(issued: IssuedCertificate): ServedCertificate {
  const pemFile = issued.keyFile.replace(/\.key$/, '.pem');
  writeFileSync(pemFile, issued.cert + issued.key);
  return { ...issued, pemFile };
}

/**
 * The throughput scenario's certificate for 127.0.0.1 and proxy.test, from a throw-away CA (openssl, valid two days):
 * remove() deletes every key, and the bench does it on SIGINT too. wrk does not verify it.
 */
export function issueServedCertificate(): { certificate: ServedCertificate; remove(): void } {
  const authority = makeAuthority('atomproxy bench CA');
  const unregister = registerStop(() => authority.remove());
  return {
    certificate: served(authority.issue(['127.0.0.1', 'proxy.test'])),
    remove() {
      unregister();
      authority.remove();
    },
  };
}
