import { createPrivateKey, X509Certificate } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError, VARIABLES, type Config } from './config.js';

type FileVariable = { name: string };

/** What went wrong opening a file: its errno code (ENOENT, EACCES…), else the message. */
function openFailure(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

function readPem(variable: FileVariable, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${variable.name}: cannot read ${file}: ${openFailure(error)}`);
  }
}

function checkCertificate(variable: FileVariable, file: string): string {
  const pem = readPem(variable, file);
  try {
    const certificate = new X509Certificate(pem);
    if (Date.parse(certificate.validTo) < Date.now()) throw new Error(`expired on ${certificate.validTo}`);
  } catch (error) {
    throw new ConfigError(`${variable.name}: ${file} is not a usable PEM certificate: ${(error as Error).message}`);
  }
  return pem;
}

/** A certificate and its key: each must parse, and the key must be the certificate's. */
function checkPair(certVariable: FileVariable, certFile: string, keyVariable: FileVariable, keyFile: string): void {
  const cert = checkCertificate(certVariable, certFile);
  const key = readPem(keyVariable, keyFile);
  try {
    createPrivateKey(key);
  } catch (error) {
    throw new ConfigError(`${keyVariable.name}: ${keyFile} is not a PEM private key: ${(error as Error).message}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError(`${keyVariable.name}: ${keyFile} is not the key of ${certFile} (${certVariable.name}): ${(error as Error).message}`);
  }
}

/** The access log file must open for appending (it is created if missing; its folder must exist). */
function checkAccessLog(file: string): void {
  try {
    closeSync(openSync(file, 'a'));
  } catch (error) {
    throw new ConfigError(`${VARIABLES.accessLog.name}: cannot open ${file} for appending: ${openFailure(error)}`);
  }
}

/**
 * Opens every file the configuration names (TLS material, the access log), so that a missing or bad one stops
 * the start with one line naming its variable, instead of failing in every thread or at the first connection.
 */
export function checkConfigFiles(config: Config): void {
  const v = VARIABLES;
  if (config.accessLog && config.accessLog !== 'stdout') checkAccessLog(config.accessLog);
  config.tls?.certFiles.forEach((certFile, i) => checkPair(v.tlsCertFiles, certFile, v.tlsKeyFiles, config.tls!.keyFiles[i]!));
  const upstream = config.upstream.tls;
  if (upstream.caFile) checkCertificate(v.upstreamCaFile, upstream.caFile);
  if (upstream.certFile && upstream.keyFile) checkPair(v.upstreamCertFile, upstream.certFile, v.upstreamKeyFile, upstream.keyFile);
}
