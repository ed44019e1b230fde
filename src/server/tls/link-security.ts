// How the server's TCP link is secured. By default every connection must start a TLS 1.3
// handshake; `--plaintext` serves plain TCP. The first byte a client sends tells the two apart
// (a TLS record starts with 0x16, a Tessenger frame with the high byte of its length, 0x00), so a
// client speaking the wrong one gets a clear answer instead of a hang.
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import { encodeFrame } from '../../protocol/frame-codec.js';
import { encodeMessage } from '../../protocol/messages.js';
import type { ErrorCode } from '../../protocol/error-codes.js';
import { fingerprintOfPem } from '../../shared/certificate-fingerprint.js';
import { normalizeAddress } from '../../shared/address.js';
import { loadOrCreateSelfSigned, type CertificatePem } from './self-signed-certificate.js';

/** What the server's configuration says about the link. */
export interface LinkSecurityConfig {
  readonly plaintext: boolean;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly dataDir: string;
}

export type LinkSecurity =
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'tls'; readonly context: SecureContext; readonly fingerprint: string };

export type LinkSecurityError = { readonly type: 'StartupFailed'; readonly message: string };

const TLS_HANDSHAKE_RECORD = 0x16;

const fail = (message: string): LinkSecurityError => ({ type: 'StartupFailed', message });
const codeOf = (e: unknown): string =>
  (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));

/**
 * Loads (or, without --tls-cert, creates) the certificate and returns the link security plus the
 * one console line that describes it.
 */
export function prepareLinkSecurity(
  config: LinkSecurityConfig,
): ResultAsync<{ security: LinkSecurity; consoleLine: string }, LinkSecurityError> {
  if (config.plaintext) {
    return okAsync({
      security: { kind: 'plaintext' },
      consoleLine:
        'Plaintext mode (--plaintext): the link is NOT encrypted; passwords, messages and file-transfer keys travel in clear',
    });
  }
  const { tlsCert, tlsKey } = config;
  if (tlsCert !== undefined && tlsKey !== undefined) {
    return ResultAsync.fromPromise(
      Promise.all([readFile(tlsCert, 'utf8'), readFile(tlsKey, 'utf8')]),
      (e) => fail(`Cannot read the TLS certificate or key (${tlsCert}, ${tlsKey}): ${codeOf(e)}`),
    )
      .andThen(([cert, key]) => checkedContext({ cert, key }, tlsCert))
      .map((security) => ({
        security,
        consoleLine: `TLS certificate ${fingerprintText(security)} (from ${tlsCert})`,
      }));
  }
  return loadOrCreateSelfSigned(config.dataDir)
    .mapErr((e) => fail(e.message))
    .andThen((pem) =>
      checkedContext(pem, pem.files.certFile).map((security) => ({
        security,
        consoleLine: `TLS certificate ${fingerprintText(security)} (self-signed, ${pem.created ? 'created now in' : 'from'} ${pem.files.certFile})`,
      })),
    );
}

const fingerprintText = (security: LinkSecurity): string =>
  security.kind === 'tls' ? security.fingerprint : '';

function checkedContext(
  pem: CertificatePem,
  origin: string,
): ResultAsync<LinkSecurity, LinkSecurityError> {
  const fingerprint = fingerprintOfPem(pem.cert);
  if (fingerprint.isErr())
    return errAsync(fail(`${origin} is not a PEM certificate: ${fingerprint.error}`));
  return ResultAsync.fromPromise(
    Promise.resolve().then(() =>
      createSecureContext({ cert: pem.cert, key: pem.key, minVersion: 'TLSv1.3' }),
    ),
    (e) =>
      fail(
        `Cannot use the TLS certificate ${origin}: ${e instanceof Error ? e.message : String(e)}`,
      ),
  ).map((context) => ({ kind: 'tls' as const, context, fingerprint: fingerprint.value }));
}

export interface AcceptDeps {
  readonly security: LinkSecurity;
  /** A client that sends nothing (or never finishes the TLS handshake) is closed after this. */
  readonly handshakeTimeoutMs: number;
  readonly console: { line(text: string): void };
}

const closingFrame = (code: ErrorCode): Buffer =>
  encodeFrame(encodeMessage({ t: 'ev', ev: 'closing', error: { code } }));

/**
 * Turns each accepted TCP socket into the socket the protocol runs on: the TLS socket once its
 * handshake is done, or the plain socket with --plaintext. Sockets still in their handshake are
 * tracked so a shutdown can end them.
 */
export class LinkAcceptor {
  private readonly handshaking = new Set<Socket>();

  constructor(private readonly deps: AcceptDeps) {}

  accept(raw: Socket, ready: (socket: Socket) => void): void {
    const security = this.deps.security;
    if (security.kind === 'plaintext') {
      // The plain protocol answers a TLS hello with FRAME_TOO_LARGE; the console says why.
      raw.prependOnceListener('data', (first: Buffer) => {
        if (first[0] === TLS_HANDSHAKE_RECORD)
          this.deps.console.line(
            `Refusing a TLS connection from ${normalizeAddress(raw.remoteAddress)}: this server runs with --plaintext`,
          );
      });
      return ready(raw);
    }
    const address = normalizeAddress(raw.remoteAddress);
    this.handshaking.add(raw);
    raw.on('error', () => undefined);
    raw.once('close', () => this.handshaking.delete(raw));
    const timer = setTimeout(() => {
      this.deps.console.line(
        `Disconnecting connection from ${address}: no TLS handshake within ${this.deps.handshakeTimeoutMs} ms`,
      );
      // A silent plaintext client can read this; a stalled TLS one is simply cut.
      if (raw.bytesRead === 0) raw.end(closingFrame('LOGIN_TIMEOUT'));
      raw.destroy();
    }, this.deps.handshakeTimeoutMs);
    raw.once('close', () => clearTimeout(timer));
    raw.once('data', (first: Buffer) => {
      if (first[0] !== TLS_HANDSHAKE_RECORD) {
        clearTimeout(timer);
        this.deps.console.line(
          `Refusing a plaintext connection from ${address}: this server requires TLS`,
        );
        raw.end(closingFrame('TLS_REQUIRED'));
        setTimeout(() => raw.destroy(), 2000).unref();
        return;
      }
      raw.pause();
      raw.unshift(first);
      const secure = new TLSSocket(raw, { isServer: true, secureContext: security.context });
      secure.on('error', (e: NodeJS.ErrnoException) => {
        if (!this.handshaking.has(raw)) return;
        clearTimeout(timer);
        this.deps.console.line(`TLS handshake with ${address} failed: ${e.code ?? e.message}`);
        secure.destroy();
      });
      secure.once('secure', () => {
        clearTimeout(timer);
        this.handshaking.delete(raw);
        secure.removeAllListeners('error');
        ready(secure);
      });
    });
  }

  /** Ends every connection still in its handshake (server shutdown). */
  closeHandshaking(): void {
    for (const socket of this.handshaking) socket.destroy();
    this.handshaking.clear();
  }
}
