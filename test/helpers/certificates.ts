import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM certificate and its key, as files (for ATOM_* variables) and as text (for Node's tls options). */
export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/** A throw-away certificate authority made with Debian's openssl, in a temporary folder. */
export interface TestAuthority {
  certFile: string;
  cert: string;
  /** A P-256 leaf for `names` (DNS names; IP addresses become IP subject alternative names). */
  issue(names: string[]): IssuedCertificate;
  /** Deletes the folder with every key in it. */
  remove(): void;
}

const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/** Keys and certificates are made at run time, never committed; they expire after two days. */
export function makeAuthority(commonName = 'atomproxy test CA'): TestAuthority {
  const dir = mkdtempSync(join(tmpdir(), 'atomproxy-certs-'));
  const certFile = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...newKey, '-keyout', caKey, '-out', certFile, '-days', '2', '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  let issued = 0;
  return {
    certFile,
    cert: readFileSync(certFile, 'utf8'),
    issue(names) {
      const base = join(dir, `leaf${issued++}`);
      const extensions = `${base}.ext`;
      const alternatives = names.map((name) => (IP_ADDRESS.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
      writeFileSync(extensions, `subjectAltName=${alternatives}\nextendedKeyUsage=serverAuth,clientAuth\n`);
      openssl(['req', ...newKey, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names[0]}`]);
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', certFile, '-CAkey', caKey, '-CAcreateserial',
        '-out', `${base}.crt`, '-days', '2', '-extfile', extensions]);
      return {
        certFile: `${base}.crt`,
        keyFile: `${base}.key`,
        cert: readFileSync(`${base}.crt`, 'utf8'),
        key: readFileSync(`${base}.key`, 'utf8'),
      };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
