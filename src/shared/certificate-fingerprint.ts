// A certificate's identity as people compare it: SHA-256 of its DER bytes, written like OpenSSH
// writes key fingerprints ("SHA256:" + unpadded base64), so a pin is short enough to read aloud.
import { createHash, X509Certificate } from 'node:crypto';
import { err, ok, type Result } from 'neverthrow';

export type Fingerprint = string;

const PREFIX = 'SHA256:';
const DIGEST_BYTES = 32;

export function fingerprintOfDer(der: Buffer): Fingerprint {
  return `${PREFIX}${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

export function fingerprintOfPem(pem: string): Result<Fingerprint, string> {
  try {
    return ok(fingerprintOfDer(new X509Certificate(pem).raw));
  } catch (e) {
    return err(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Reads a fingerprint given by a person: `SHA256:` + base64 (as printed by the server), or the
 * 64 hex digits `openssl x509 -fingerprint -sha256` prints (colons optional). Returns the
 * canonical `SHA256:` + base64 form, or why the text is not a fingerprint.
 */
export function parseFingerprint(text: string): Result<Fingerprint, string> {
  const hex = text.replace(/^sha256[:=]/i, '').replace(/:/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(hex))
    return ok(`${PREFIX}${Buffer.from(hex, 'hex').toString('base64').replace(/=+$/, '')}`);
  if (!text.startsWith(PREFIX))
    return err('expected SHA256: followed by the fingerprint the server printed');
  const body = text.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]{43}$/.test(body)) return err('expected 43 base64 characters after SHA256:');
  if (Buffer.from(body, 'base64').length !== DIGEST_BYTES) return err('not a SHA-256 digest');
  return ok(`${PREFIX}${body}`);
}
