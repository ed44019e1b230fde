// The client's side of securing the server link: how the server is verified (a CA, an explicit
// fingerprint, or trust on first use against the known-servers file), or --plaintext.
import { readFile } from 'node:fs/promises';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { err, ok, type Result } from 'neverthrow';
import { fingerprintOfDer, type Fingerprint } from '../../shared/certificate-fingerprint.js';
import { KnownServers, serverKey } from './known-servers.js';

export type ClientLinkSecurity =
  | { readonly kind: 'plaintext' }
  /** Verify the chain against this CA and the host name against the certificate. */
  | { readonly kind: 'ca'; readonly caFile: string }
  /** Accept exactly this certificate. */
  | { readonly kind: 'fingerprint'; readonly fingerprint: Fingerprint }
  /** Trust on first use, pinned in the known-servers file (like ssh's accept-new). */
  | { readonly kind: 'pinned'; readonly knownServersFile: string };

export type LinkSecurityFailure =
  | { readonly type: 'Unreachable'; readonly reason: string }
  /** We spoke TLS; the server answered something else. */
  | { readonly type: 'ServerNotTls'; readonly detail: string }
  | { readonly type: 'TlsHandshakeFailed'; readonly detail: string }
  | { readonly type: 'CertificateRejected'; readonly caFile: string; readonly reason: string }
  | {
      readonly type: 'FingerprintMismatch';
      readonly expected: Fingerprint;
      readonly actual: Fingerprint;
      readonly pinnedIn: string | null;
    }
  | { readonly type: 'TrustStoreUnusable'; readonly message: string }
  | { readonly type: 'CaUnreadable'; readonly caFile: string; readonly reason: string };

export interface SecuredSocket {
  readonly socket: Socket;
  /** A line to show the user once the link is up (the first contact with a server). */
  readonly notice: string | null;
}

const CONNECT_TIMEOUT_MS = 10_000;

// OpenSSL reads a plaintext reply as a record of an unknown type or version.
const NOT_TLS_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_HTTP_REQUEST',
]);

const codeOf = (e: unknown): string =>
  (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));

function plainSocket(host: string, port: number): Promise<Result<Socket, LinkSecurityFailure>> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(err({ type: 'Unreachable', reason: 'timed out' }));
    }, CONNECT_TIMEOUT_MS);
    socket.once('error', (e) => {
      clearTimeout(timer);
      resolve(err({ type: 'Unreachable', reason: codeOf(e) }));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(ok(socket));
    });
  });
}

function tlsSocket(
  host: string,
  port: number,
  ca: Buffer | undefined,
): Promise<Result<TLSSocket, LinkSecurityFailure>> {
  return new Promise((resolve) => {
    let tcpConnected = false;
    const socket = connectTls({
      host,
      port,
      minVersion: 'TLSv1.3',
      // The certificate is checked below (pin or fingerprint) unless a CA is given.
      rejectUnauthorized: ca !== undefined,
      ...(ca !== undefined ? { ca } : {}),
      ...(isIP(host) === 0 ? { servername: host } : {}),
    });
    const settle = (result: Result<TLSSocket, LinkSecurityFailure>) => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      if (result.isErr()) socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => settle(err({ type: 'Unreachable', reason: 'timed out' })),
      CONNECT_TIMEOUT_MS,
    );
    socket.once('connect', () => (tcpConnected = true));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const code = codeOf(e);
      if (!tcpConnected) return settle(err({ type: 'Unreachable', reason: code }));
      if (NOT_TLS_CODES.has(code)) return settle(err({ type: 'ServerNotTls', detail: code }));
      if (
        ca !== undefined &&
        (socket.authorizationError || /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO/.test(code))
      ) {
        return settle(err({ type: 'CertificateRejected', caFile: '', reason: e.message }));
      }
      settle(err({ type: 'TlsHandshakeFailed', detail: code }));
    });
    socket.once('close', () =>
      settle(
        err({
          type: 'TlsHandshakeFailed',
          detail: 'the server closed the connection during the TLS handshake',
        }),
      ),
    );
    socket.once('secureConnect', () => settle(ok(socket)));
  });
}

const peerFingerprint = (socket: TLSSocket): Fingerprint | null => {
  const cert = socket.getPeerX509Certificate();
  return cert ? fingerprintOfDer(cert.raw) : null;
};

/**
 * Connects to the server and secures the link as `security` says. Nothing is sent before the
 * server is verified, so a password never reaches an unverified server.
 */
export async function openSecuredSocket(
  host: string,
  port: number,
  security: ClientLinkSecurity,
): Promise<Result<SecuredSocket, LinkSecurityFailure>> {
  switch (security.kind) {
    case 'plaintext':
      return (await plainSocket(host, port)).map((socket) => ({ socket, notice: null }));
    case 'ca': {
      const ca = await readFile(security.caFile).then(
        (bytes) => ok<Buffer, LinkSecurityFailure>(bytes),
        (e: unknown) =>
          err<Buffer, LinkSecurityFailure>({
            type: 'CaUnreadable',
            caFile: security.caFile,
            reason: codeOf(e),
          }),
      );
      if (ca.isErr()) return err(ca.error);
      const secured = await tlsSocket(host, port, ca.value);
      return secured
        .mapErr((e): LinkSecurityFailure =>
          e.type === 'CertificateRejected' ? { ...e, caFile: security.caFile } : e,
        )
        .map((socket) => ({ socket, notice: null }));
    }
    case 'fingerprint': {
      const secured = await tlsSocket(host, port, undefined);
      if (secured.isErr()) return err(secured.error);
      const actual = peerFingerprint(secured.value);
      if (actual !== security.fingerprint) {
        secured.value.destroy();
        return err({
          type: 'FingerprintMismatch',
          expected: security.fingerprint,
          actual: actual ?? '(none)',
          pinnedIn: null,
        });
      }
      return ok({ socket: secured.value, notice: null });
    }
    case 'pinned': {
      const known = await KnownServers.load(security.knownServersFile);
      if (known.isErr()) return err({ type: 'TrustStoreUnusable', message: known.error.message });
      const secured = await tlsSocket(host, port, undefined);
      if (secured.isErr()) return err(secured.error);
      const socket = secured.value;
      const actual = peerFingerprint(socket);
      if (actual === null) {
        socket.destroy();
        return err({ type: 'TlsHandshakeFailed', detail: 'the server sent no certificate' });
      }
      const pinned = known.value.pinned(host, port);
      if (pinned === actual) return ok({ socket, notice: null });
      if (pinned !== undefined) {
        socket.destroy();
        return err({
          type: 'FingerprintMismatch',
          expected: pinned,
          actual,
          pinnedIn: known.value.file,
        });
      }
      const remembered = await known.value.remember(host, port, actual);
      if (remembered.isErr()) {
        socket.destroy();
        return err({ type: 'TrustStoreUnusable', message: remembered.error.message });
      }
      return ok({
        socket,
        notice: `Trusting new server ${serverKey(host, port)}, fingerprint ${actual}`,
      });
    }
  }
}
