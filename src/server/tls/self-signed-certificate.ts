// The certificate a server uses when it was given none: ECDSA P-256, self-signed, made once in
// <data-dir>/tls/ and reused afterwards, so clients that pinned it on first use keep trusting it.
//
// @peculiar/x509 builds and signs the certificate through Node's own WebCrypto (no OpenSSL binary,
// no hand-written ASN.1). It needs the Reflect metadata polyfill for its dependency injection.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultAsync } from 'neverthrow';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface CertificatePem {
  readonly cert: string;
  readonly key: string;
}

export type CertificateError = {
  readonly type: 'CertificateUnavailable';
  readonly message: string;
};

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Ten years: the certificate is pinned, not checked against a calendar by a CA. */
const VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;

export const selfSignedFiles = (dataDir: string): CertificateFiles => ({
  certFile: join(dataDir, 'tls', 'cert.pem'),
  keyFile: join(dataDir, 'tls', 'key.pem'),
});

const failure = (message: string): CertificateError => ({
  type: 'CertificateUnavailable',
  message,
});
const codeOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** A fresh self-signed ECDSA P-256 certificate and its PKCS#8 key, both PEM. */
export async function createSelfSignedCertificate(now: Date = new Date()): Promise<CertificatePem> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1'), // positive, as DER requires
    name: 'CN=Tessenger server (self-signed)',
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + VALIDITY_MS),
    keys: keys as unknown as CryptoKeyPair,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

/** Writes `text` to a new file with `mode`; fails if the file exists (never overwrites a key). */
async function writeNew(file: string, text: string, mode: number): Promise<void> {
  const handle = await open(file, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(file, mode); // the umask may have narrowed or the file system widened it
}

/**
 * Reads the server's self-signed certificate from <dataDir>/tls/, creating it first if it does
 * not exist yet. `created` tells the caller which happened.
 */
export function loadOrCreateSelfSigned(
  dataDir: string,
): ResultAsync<CertificatePem & { created: boolean; files: CertificateFiles }, CertificateError> {
  const files = selfSignedFiles(dataDir);
  const read = () =>
    Promise.all([readFile(files.certFile, 'utf8'), readFile(files.keyFile, 'utf8')]).then(
      ([cert, key]) => ({ cert, key, created: false, files }),
    );
  const create = async () => {
    await mkdir(join(dataDir, 'tls'), { recursive: true, mode: 0o700 });
    const pem = await createSelfSignedCertificate();
    // The key first: a crash between the two writes leaves no certificate without its key.
    await writeNew(files.keyFile, pem.key, 0o600);
    await writeNew(files.certFile, pem.cert, 0o644);
    return { ...pem, created: true, files };
  };
  return ResultAsync.fromPromise(
    read().catch((e: unknown) => {
      if (codeOf(e) !== 'ENOENT') throw e;
      return create();
    }),
    (e) =>
      failure(
        `Cannot use the TLS certificate in ${join(dataDir, 'tls')}: ${codeOf(e)}. Remove that directory to have a new one created, or pass --tls-cert and --tls-key`,
      ),
  );
}
