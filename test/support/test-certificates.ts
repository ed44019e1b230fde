// Certificates for tests of --ca and --tls-cert: a small CA and server certificates it signs
// (ECDSA P-256, like the server's own), written as PEM files into a directory.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;

const pemKey = async (key: CryptoKey): Promise<string> =>
  `-----BEGIN PRIVATE KEY-----\n${Buffer.from(
    await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey),
  )
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;

const newKeys = async (): Promise<CryptoKeyPair> =>
  (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as unknown as CryptoKeyPair;

export interface TestCa {
  readonly certFile: string;
  /** A server certificate signed by this CA, for the given IP addresses; returns the PEM files. */
  issue(name: string, ips: string[]): Promise<{ certFile: string; keyFile: string }>;
}

export async function makeCa(dir: string, name: string): Promise<TestCa> {
  const keys = await newKeys();
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + DAY),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  const certFile = join(dir, `${name}.pem`);
  writeFileSync(certFile, ca.toString('pem'));
  let serial = 1;
  return {
    certFile,
    issue: async (server, ips) => {
      const serverKeys = await newKeys();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: String(++serial).padStart(2, '0'),
        subject: `CN=${server}`,
        issuer: ca.subject,
        notBefore: new Date(now - DAY),
        notAfter: new Date(now + DAY),
        publicKey: serverKeys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: ALGORITHM,
        extensions: [
          new x509.SubjectAlternativeNameExtension(
            ips.map((ip) => ({ type: 'ip' as const, value: ip })),
          ),
        ],
      });
      const files = { certFile: join(dir, `${server}.pem`), keyFile: join(dir, `${server}.key`) };
      writeFileSync(files.certFile, cert.toString('pem'));
      writeFileSync(files.keyFile, await pemKey(serverKeys.privateKey), { mode: 0o600 });
      return files;
    },
  };
}
