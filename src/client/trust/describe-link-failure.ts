// The one place a failure to set up the server link becomes the text a person reads: what went
// wrong and what to do about it.
import { serverKey } from './known-servers.js';
import type { LinkSecurityFailure } from './link-security.js';

export type LinkFailureText =
  | LinkSecurityFailure
  | { readonly type: 'TlsRequired' }
  | { readonly type: 'Refused'; readonly reason: string };

export function describeLinkFailure(host: string, port: number, failure: LinkFailureText): string {
  const server = serverKey(host, port);
  switch (failure.type) {
    case 'Unreachable':
      return `Cannot connect to the server at ${server} (${failure.reason}).`;
    case 'Refused':
      return `Cannot connect to the server at ${server} (${failure.reason}).`;
    case 'TlsRequired':
      return `Cannot connect to the server at ${server}: it requires TLS and this client was started with --plaintext. Connect without --plaintext.`;
    case 'ServerNotTls':
      return `Cannot connect to the server at ${server}: it does not speak TLS (is it running with --plaintext?). To connect without encryption, add --plaintext.`;
    case 'TlsHandshakeFailed':
      return `Cannot connect to the server at ${server}: the TLS handshake failed (${failure.detail}).`;
    case 'CertificateRejected':
      return `Refusing to connect to ${server}: its certificate could not be verified with the CA in ${failure.caFile} (${failure.reason}).`;
    case 'CaUnreadable':
      return `Cannot read the CA certificate ${failure.caFile} (${failure.reason}).`;
    case 'TrustStoreUnusable':
      return failure.message;
    case 'FingerprintMismatch':
      return failure.pinnedIn === null
        ? `Refusing to connect to ${server}: its certificate is ${failure.actual}, not the ${failure.expected} given with --fingerprint.`
        : [
            `Refusing to connect to ${server}: its certificate has CHANGED since it was first trusted.`,
            `  pinned:    ${failure.expected} (in ${failure.pinnedIn})`,
            `  presented: ${failure.actual}`,
            'Someone may be intercepting the connection, or the server got a new certificate (e.g. its data directory was reset).',
            `If you know the change is genuine, delete the line for ${server} from ${failure.pinnedIn} and connect again (or pass --fingerprint ${failure.actual}).`,
          ].join('\n');
  }
}
