// Authenticated encryption of every datagram of a transfer (AES-256-GCM), at the boundary between
// the datagram codec and the socket.
//
// The server draws a 256-bit key per transfer and gives it to both peers over the (TLS) server
// link. From it each side derives, with HKDF-SHA256:
//   * one key per direction (presenter→audience, audience→presenter), so the two sides can
//     number their datagrams independently without ever sharing a nonce;
//   * the 8-byte connection id that names the transfer in the clear preamble (the receiving
//     endpoint needs it to find the key; it reveals nothing about the key).
// The nonce is the datagram's packet number (4 zero bytes + 64-bit counter), which each side
// increments for every datagram it seals, retransmissions included: a nonce is never reused
// under a key. The whole 20-byte preamble (type, connection id, packet number) is the AEAD's
// associated data, so it cannot be altered either. A datagram that fails authentication is
// dropped before anything in it is looked at.
//
// Two implementations of the same cipher, the same bytes on the wire: the native addon
// (aes-gcm-native.ts: one OpenSSL context per direction, output into buffers given to it) when it
// was built, node:crypto otherwise (a cipher object per datagram: about twice the CPU).
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { err, ok, type Result } from 'neverthrow';
import {
  CONNECTION_ID_BYTES,
  PACKET_NUMBER_OFFSET,
  PREAMBLE_BYTES,
  TAG_BYTES,
  decodeBody,
  readPreamble,
  type Datagram,
  type DecodeError,
  type Preamble,
} from './datagram.js';
import { nativeAesGcm, type NativeAesGcmBinding, type NativeContext } from './aes-gcm-native.js';

export const TRANSFER_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const CIPHER = 'aes-256-gcm';
// Sealed datagrams kept for reuse (native path, `recycle`): per size (a sender seals a handful:
// HELLO, full DATA, the last DATA, FIN), at most this many of each — more than a burst in flight.
const SPARE_SIZES = 4;
const SPARE_PER_SIZE = 64;

/** Which implementation of AES-256-GCM seals: the native addon or node:crypto (same bytes). */
export type SealCipher = 'native' | 'node';

/** The native addon when it loads, node:crypto otherwise (`nativeAesGcm.reason` says why). */
export const DEFAULT_SEAL_CIPHER: SealCipher = nativeAesGcm.binding !== null ? 'native' : 'node';

/** Which side of the transfer this seal belongs to: it seals in its own direction, opens the other. */
export type SealRole = 'presenter' | 'audience';

export interface TransferKeys {
  readonly connectionId: Buffer;
  readonly presenterToAudience: Buffer;
  readonly audienceToPresenter: Buffer;
}

const derive = (key: Buffer, info: string, length: number): Buffer =>
  Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `tessenger p2p v2 ${info}`, length));

export function deriveTransferKeys(key: Buffer): TransferKeys {
  return {
    connectionId: derive(key, 'connection id', CONNECTION_ID_BYTES),
    presenterToAudience: derive(key, 'presenter to audience', TRANSFER_KEY_BYTES),
    audienceToPresenter: derive(key, 'audience to presenter', TRANSFER_KEY_BYTES),
  };
}

export type OpenError =
  | { readonly type: 'Malformed'; readonly error: DecodeError }
  /** Not this transfer's connection id. */
  | { readonly type: 'OtherTransfer' }
  /** Tampered with, forged, or sealed under another key. */
  | { readonly type: 'Unauthenticated' };

/** Writes the nonce for `packetNumber` into `nonce` (12 bytes: 4 zero bytes + 64-bit counter). */
function nonceFor(nonce: Buffer, packetNumber: number): Buffer {
  nonce.writeUInt32BE(Math.floor(packetNumber / 2 ** 32), 4);
  nonce.writeUInt32BE(packetNumber >>> 0, 8);
  return nonce;
}

/**
 * One side's seal for one transfer. `protect: false` leaves datagrams unencrypted and
 * unauthenticated (still numbered): it exists only so benchmarks can measure what sealing costs,
 * and is never offered on the command line.
 */
export class DatagramSeal {
  readonly connectionId: Buffer;
  private readonly sealKey: Buffer;
  private readonly openKey: Buffer;
  private nextPacketNumber: number;
  // One scratch nonce per direction: createCipheriv / createDecipheriv copy the IV, so the buffer
  // is free again as soon as they return (one allocation less per datagram).
  private readonly sealNonce = Buffer.alloc(NONCE_BYTES);
  private readonly openNonce = Buffer.alloc(NONCE_BYTES);
  // the native path: one context per direction, the key schedule made once
  private readonly native: {
    readonly binding: NativeAesGcmBinding;
    readonly seal: NativeContext;
    readonly open: NativeContext;
  } | null = null;
  private readonly spare = new Map<number, Buffer[]>();

  /**
   * `firstPacketNumber` is for a party that seals beside a real peer under the same key (a test's
   * man in the middle that knows the key): starting far above the peer's numbers keeps every
   * nonce unique.
   */
  constructor(
    keys: TransferKeys,
    role: SealRole,
    readonly protect = true,
    firstPacketNumber = 0,
    readonly cipher: SealCipher = DEFAULT_SEAL_CIPHER,
  ) {
    this.nextPacketNumber = firstPacketNumber;
    this.connectionId = keys.connectionId;
    this.sealKey = role === 'presenter' ? keys.presenterToAudience : keys.audienceToPresenter;
    this.openKey = role === 'presenter' ? keys.audienceToPresenter : keys.presenterToAudience;
    if (cipher === 'native' && protect) {
      const { binding, reason } = nativeAesGcm;
      if (binding === null) throw new Error(`native AES-GCM not available: ${reason}`);
      this.native = {
        binding,
        seal: binding.context(this.sealKey, true),
        open: binding.context(this.openKey, false),
      };
    }
  }

  static fromKey(
    key: Buffer,
    role: SealRole,
    protect = true,
    cipher: SealCipher = DEFAULT_SEAL_CIPHER,
  ): DatagramSeal {
    return new DatagramSeal(deriveTransferKeys(key), role, protect, 0, cipher);
  }

  /** Bytes sealing adds to a datagram. */
  get overheadBytes(): number {
    return this.protect ? TAG_BYTES : 0;
  }

  /** Datagrams sealed so far (the next packet number). */
  get packetsSealed(): number {
    return this.nextPacketNumber;
  }

  /**
   * Seals a plaintext datagram given as parts (the first starts with the preamble; DATA passes
   * its header and payload separately so the payload is not copied first). Returns the parts to
   * send. The first part's packet number is written in place, and the first part returned is a
   * view of it: the caller hands over that buffer (the encoders make a fresh one per datagram).
   * Sealed natively, the datagram comes back as one buffer: a fresh one (allocUnsafe, no zero
   * fill: every byte is written), or one given back by `recycle` after its send completed.
   */
  seal(parts: readonly Buffer[]): Buffer[] {
    const head = parts[0];
    if (head === undefined || head.length < PREAMBLE_BYTES)
      throw new Error('seal: a datagram starts with its preamble');
    const packetNumber = this.nextPacketNumber++;
    head.writeUInt32BE(Math.floor(packetNumber / 2 ** 32), PACKET_NUMBER_OFFSET);
    head.writeUInt32BE(packetNumber >>> 0, PACKET_NUMBER_OFFSET + 4);
    if (!this.protect) return [...parts];
    if (this.native !== null) {
      const payload =
        parts.length === 1 ? null : parts.length === 2 ? parts[1]! : Buffer.concat(parts.slice(1));
      const bytes = head.length + (payload?.length ?? 0) + TAG_BYTES;
      const out = this.spare.get(bytes)?.pop() ?? Buffer.allocUnsafe(bytes);
      this.native.binding.seal(this.native.seal, packetNumber, head, PREAMBLE_BYTES, payload, out);
      return [out];
    }
    const cipher = createCipheriv(CIPHER, this.sealKey, nonceFor(this.sealNonce, packetNumber), {
      authTagLength: TAG_BYTES,
    });
    const preamble = head.subarray(0, PREAMBLE_BYTES);
    cipher.setAAD(preamble);
    // the preamble goes out as it is (the caller's fresh header buffer): no copy
    const out: Buffer[] = [preamble];
    const headBody = head.subarray(PREAMBLE_BYTES);
    if (headBody.length > 0) out.push(cipher.update(headBody));
    for (let i = 1; i < parts.length; i++) out.push(cipher.update(parts[i]!));
    const final = cipher.final();
    if (final.length > 0) out.push(final);
    out.push(cipher.getAuthTag());
    return out;
  }

  /**
   * Gives back what `seal` returned, for the next datagram of its size, once the socket is done
   * with it: in the send's callback (dgram has handed the bytes to the kernel by then and does not
   * touch the buffer again), at most once per `seal`. Without it every datagram gets a fresh
   * buffer, and the garbage collector frees them; on a sender's 64 KiB datagrams that costs more
   * than the cipher's own setup. Only the native path's own buffers are kept: unsealed or sealed
   * by node:crypto, what `seal` returned includes the caller's buffers (the payload, a read block
   * that is reused by its own pool) and nothing is kept.
   */
  recycle(sent: readonly Buffer[]): void {
    if (this.native === null || sent.length !== 1) return;
    const buf = sent[0]!;
    let spare = this.spare.get(buf.length);
    if (spare === undefined) {
      if (this.spare.size >= SPARE_SIZES) return;
      this.spare.set(buf.length, (spare = []));
    }
    if (spare.length < SPARE_PER_SIZE) spare.push(buf);
  }

  /**
   * Authenticates, decrypts and decodes one received datagram of this transfer. `known` is the
   * preamble the caller read already (the endpoint reads it to find the transfer). `buf` is
   * consumed: the native path decrypts it in place (the socket's fresh buffer for this datagram,
   * which nothing else holds: the payload returned is a view of it, no second buffer), so the
   * caller must not read it afterwards, whether it opened or not.
   */
  open(buf: Buffer, known?: Preamble): Result<Datagram, OpenError> {
    let preamble = known;
    if (preamble === undefined) {
      const read = readPreamble(buf);
      if (read.isErr()) return err({ type: 'Malformed', error: read.error });
      preamble = read.value;
    }
    const body = this.authenticate(buf, preamble);
    if (!Buffer.isBuffer(body)) return err(body);
    const decoded = decodeBody(preamble, body);
    return decoded.isOk() ? ok(decoded.value) : err({ type: 'Malformed', error: decoded.error });
  }

  /** Like `open`, but returns the whole plaintext datagram (preamble + body) for tools and tests. */
  unseal(buf: Buffer): Result<Buffer, OpenError> {
    const read = readPreamble(buf);
    if (read.isErr()) return err({ type: 'Malformed', error: read.error });
    const body = this.authenticate(Buffer.from(buf), read.value); // a copy: buf stays as it was
    if (!Buffer.isBuffer(body)) return err(body);
    return ok(Buffer.concat([buf.subarray(0, PREAMBLE_BYTES), body]));
  }

  /**
   * The one gate every received datagram passes after its preamble was read: the connection id
   * this transfer's and (sealed) the tag verified under the other direction's key. Returns the
   * plaintext body, or why the datagram is dropped; nothing of a datagram that fails is looked at
   * further. (No Result wrapper: this runs for every datagram.)
   */
  private authenticate(buf: Buffer, preamble: Preamble): Buffer | OpenError {
    if (!preamble.connectionId.equals(this.connectionId)) return { type: 'OtherTransfer' };
    if (!this.protect) return buf.subarray(PREAMBLE_BYTES);
    if (buf.length < PREAMBLE_BYTES + TAG_BYTES) return { type: 'Unauthenticated' };
    return this.decrypt(buf, preamble.packetNumber) ?? { type: 'Unauthenticated' };
  }

  private decrypt(buf: Buffer, packetNumber: number): Buffer | null {
    if (this.native !== null) {
      const body = buf.subarray(PREAMBLE_BYTES, buf.length - TAG_BYTES);
      const { binding, open } = this.native;
      return binding.open(open, packetNumber, buf, PREAMBLE_BYTES, body) ? body : null;
    }
    const decipher = createDecipheriv(
      CIPHER,
      this.openKey,
      nonceFor(this.openNonce, packetNumber),
      {
        authTagLength: TAG_BYTES,
      },
    );
    decipher.setAAD(buf.subarray(0, PREAMBLE_BYTES));
    decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
    const body = decipher.update(buf.subarray(PREAMBLE_BYTES, buf.length - TAG_BYTES));
    try {
      decipher.final(); // throws when the tag does not match: the body above is then discarded
    } catch {
      return null;
    }
    return body;
  }
}
