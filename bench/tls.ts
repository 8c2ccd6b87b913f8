import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate authority made for one bench run and a server certificate it signed for 127.0.0.1. */
export interface BenchCertificates {
  /** PEM file of the CA: the children trust it through `NODE_EXTRA_CA_CERTS`, nothing else. */
  caFile: string;
  /** For `https.createServer`: the server's key and its certificate. */
  server: { key: string; cert: string };
  /** What signed them, for the notes. */
  algorithm: string;
}

/** Whether the `openssl` CLI that makes the certificates is installed (the tests over https skip without it). */
export const hasOpenssl = (): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * Makes a throw-away CA and a loopback server certificate with the `openssl` CLI (node's crypto can sign
 * data but not build X.509 certificates). ECDSA P-256, the usual choice of public HTTPS endpoints today.
 * Undefined when `openssl` is not installed: the TLS rows then say they were not measured.
 */
export const makeCertificates = (dir: string): BenchCertificates | undefined => {
  if (!hasOpenssl()) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-subj',
    '/CN=call-control bench CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  openssl('req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(
    file('server.ext'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
  );
  return {
    caFile: file('ca.pem'),
    server: { key: readFileSync(file('server.key'), 'utf8'), cert: readFileSync(file('server.pem'), 'utf8') },
    algorithm: 'ECDSA P-256 (openssl CLI)',
  };
};
