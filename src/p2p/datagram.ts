// Binary codec for the UDP datagrams of a transfer. Every datagram starts with the same 20-byte
// preamble; decoding never throws: anything short, unknown or inconsistent becomes an `err` that
// the caller counts and drops (UDP delivers garbage too, and anyone can send to our port).
//
//   offset size field                                   (clear, but authenticated: see seal.ts)
//   0      2    magic 0x54 0x50 ("TP")
//   2      1    version (2)
//   3      1    type (HELLO=1 DATA=2 ACK=3 FIN=4 DONE=5 ABORT=6)
//   4      8    connection id: names the transfer (derived from its key; reveals nothing of it)
//   12     8    packet number: +1 for every datagram a side seals, the AEAD nonce
//   20     ...  type-specific body (all integers big-endian), encrypted
//   end-16 16   AEAD tag (when sealed)
//
// This file reads and writes the plaintext form; seal.ts turns it into the sealed one and back.
import { err, ok, type Result } from 'neverthrow';

export const MAGIC = 0x5450;
export const VERSION = 2;
export const CONNECTION_ID_BYTES = 8;
export const CONNECTION_ID_OFFSET = 4;
export const PACKET_NUMBER_OFFSET = 12;
export const PREAMBLE_BYTES = 20;
/** What sealing adds to every datagram: the AES-256-GCM tag. */
export const TAG_BYTES = 16;
export const DATA_HEADER_BYTES = PREAMBLE_BYTES + 8; // seq u32, tx u32
export const HELLO_BYTES = PREAMBLE_BYTES + 12; // size u64, chunkBytes u32
export const ACK_FIXED_BYTES = PREAMBLE_BYTES + 18; // cum, top, limit, echoTx u32; count u16
export const ACK_RANGE_BYTES = 8;
export const FIN_BYTES = PREAMBLE_BYTES + 32; // sha256
export const DONE_BYTES = PREAMBLE_BYTES;
export const ABORT_BYTES = PREAMBLE_BYTES + 1;
/** Limits of the whole UDP payload, header included (65,535 − 8 UDP − 20 IPv4 = 65,507). */
export const MIN_DATAGRAM_BYTES = 1200;
export const MAX_DATAGRAM_BYTES = 65_507;

export const DatagramType = { Hello: 1, Data: 2, Ack: 3, Fin: 4, Done: 5, Abort: 6 } as const;

/** Why a peer gave up; travels in ABORT. */
export const AbortReason = {
  Cancelled: 1,
  VerificationFailed: 2,
  DiskError: 3,
  ProtocolError: 4,
  FileUnreadable: 5,
  Stalled: 6,
} as const;
export type AbortReasonCode = (typeof AbortReason)[keyof typeof AbortReason];
const ABORT_CODES = new Set<number>(Object.values(AbortReason));

/** A missing run of chunks [start, end) reported by the receiver. */
export interface SeqRange {
  readonly start: number;
  readonly end: number;
}

export type Datagram =
  | {
      readonly type: 'Hello';
      readonly connectionId: Buffer;
      readonly size: number;
      readonly chunkBytes: number;
    }
  | {
      readonly type: 'Data';
      readonly connectionId: Buffer;
      readonly seq: number;
      readonly tx: number;
      readonly payload: Buffer;
    }
  | {
      readonly type: 'Ack';
      readonly connectionId: Buffer;
      /** every chunk below `cum` is received */
      readonly cum: number;
      /** the ranges describe [cum, top) exactly; nothing is known beyond top */
      readonly top: number;
      /** the sender must not send chunks numbered `limit` or above (flow control) */
      readonly limit: number;
      /** highest transmission number seen, lets the sender detect loss by order (RACK-like) */
      readonly echoTx: number;
      readonly missing: readonly SeqRange[];
    }
  | { readonly type: 'Fin'; readonly connectionId: Buffer; readonly sha256: Buffer }
  | { readonly type: 'Done'; readonly connectionId: Buffer }
  | { readonly type: 'Abort'; readonly connectionId: Buffer; readonly reason: AbortReasonCode };

export type DecodeError =
  | { readonly type: 'TooShort'; readonly length: number }
  | { readonly type: 'BadMagic' }
  | { readonly type: 'BadVersion'; readonly version: number }
  | { readonly type: 'UnknownType'; readonly code: number }
  | { readonly type: 'BadLength'; readonly datagram: string; readonly length: number }
  | { readonly type: 'BadField'; readonly datagram: string; readonly field: string };

/** The packet number is left 0: the seal writes it when the datagram is sent. */
function preamble(type: number, connectionId: Buffer, bodyBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(PREAMBLE_BYTES + bodyBytes);
  buf.writeUInt16BE(MAGIC, 0);
  buf.writeUInt8(VERSION, 2);
  buf.writeUInt8(type, 3);
  connectionId.copy(buf, CONNECTION_ID_OFFSET, 0, CONNECTION_ID_BYTES);
  buf.fill(0, PACKET_NUMBER_OFFSET, PREAMBLE_BYTES);
  return buf;
}

export function encodeHello(connectionId: Buffer, size: number, chunkBytes: number): Buffer {
  const buf = preamble(DatagramType.Hello, connectionId, HELLO_BYTES - PREAMBLE_BYTES);
  buf.writeBigUInt64BE(BigInt(size), 20);
  buf.writeUInt32BE(chunkBytes, 28);
  return buf;
}

/** Only the header: the payload is passed to `socket.send` as a second buffer (no copy). */
export function encodeDataHeader(connectionId: Buffer, seq: number, tx: number): Buffer {
  const buf = preamble(DatagramType.Data, connectionId, DATA_HEADER_BYTES - PREAMBLE_BYTES);
  buf.writeUInt32BE(seq, 20);
  buf.writeUInt32BE(tx >>> 0, 24);
  return buf;
}

/** How many missing ranges fit in one sealed ACK of `datagramBytes`. */
export function maxAckRanges(datagramBytes: number): number {
  return Math.min(
    0xffff,
    Math.floor((datagramBytes - ACK_FIXED_BYTES - TAG_BYTES) / ACK_RANGE_BYTES),
  );
}

export function encodeAck(
  connectionId: Buffer,
  ack: { cum: number; top: number; limit: number; echoTx: number; missing: readonly SeqRange[] },
): Buffer {
  const buf = preamble(
    DatagramType.Ack,
    connectionId,
    ACK_FIXED_BYTES - PREAMBLE_BYTES + ack.missing.length * ACK_RANGE_BYTES,
  );
  buf.writeUInt32BE(ack.cum, 20);
  buf.writeUInt32BE(ack.top, 24);
  buf.writeUInt32BE(ack.limit, 28);
  buf.writeUInt32BE(ack.echoTx >>> 0, 32);
  buf.writeUInt16BE(ack.missing.length, 36);
  let at = ACK_FIXED_BYTES;
  for (const r of ack.missing) {
    buf.writeUInt32BE(r.start, at);
    buf.writeUInt32BE(r.end, at + 4);
    at += ACK_RANGE_BYTES;
  }
  return buf;
}

export function encodeFin(connectionId: Buffer, sha256: Buffer): Buffer {
  const buf = preamble(DatagramType.Fin, connectionId, 32);
  sha256.copy(buf, 20, 0, 32);
  return buf;
}

export function encodeDone(connectionId: Buffer): Buffer {
  return preamble(DatagramType.Done, connectionId, 0);
}

export function encodeAbort(connectionId: Buffer, reason: AbortReasonCode): Buffer {
  const buf = preamble(DatagramType.Abort, connectionId, 1);
  buf.writeUInt8(reason, 20);
  return buf;
}

const bad = (datagram: string, length: number): Result<never, DecodeError> =>
  err({ type: 'BadLength', datagram, length });
const badField = (datagram: string, field: string): Result<never, DecodeError> =>
  err({ type: 'BadField', datagram, field });

/** The clear part of a datagram: enough to find the transfer and its key. */
export interface Preamble {
  readonly code: number;
  readonly connectionId: Buffer;
  /** The AEAD nonce; below 2^53 (a side would need 2^53 datagrams to run out). */
  readonly packetNumber: number;
}

export function readPreamble(buf: Buffer): Result<Preamble, DecodeError> {
  if (buf.length < PREAMBLE_BYTES) return err({ type: 'TooShort', length: buf.length });
  if (buf.readUInt16BE(0) !== MAGIC) return err({ type: 'BadMagic' });
  const version = buf.readUInt8(2);
  if (version !== VERSION) return err({ type: 'BadVersion', version });
  const code = buf.readUInt8(3);
  if (code < DatagramType.Hello || code > DatagramType.Abort)
    return err({ type: 'UnknownType', code });
  const high = buf.readUInt32BE(PACKET_NUMBER_OFFSET);
  return ok({
    code,
    connectionId: buf.subarray(CONNECTION_ID_OFFSET, CONNECTION_ID_OFFSET + CONNECTION_ID_BYTES),
    packetNumber: high * 2 ** 32 + buf.readUInt32BE(PACKET_NUMBER_OFFSET + 4),
  });
}

/**
 * Parses one plaintext datagram. The returned connection id and payload are views into `buf`
 * (no copies), so the caller must not reuse `buf` while it keeps them.
 */
export function decodeDatagram(buf: Buffer): Result<Datagram, DecodeError> {
  return readPreamble(buf).andThen((p) => decodeBody(p, buf.subarray(PREAMBLE_BYTES)));
}

/** Where a field of the whole datagram (offsets as in the table above) sits in its body. */
const at = (offset: number): number => offset - PREAMBLE_BYTES;

/** Parses the body of a datagram whose preamble was read (and, when sealed, authenticated). */
export function decodeBody(
  { code, connectionId }: Preamble,
  body: Buffer,
): Result<Datagram, DecodeError> {
  const length = body.length + PREAMBLE_BYTES;
  switch (code) {
    case DatagramType.Hello: {
      if (length !== HELLO_BYTES) return bad('Hello', length);
      const size = body.readBigUInt64BE(at(20));
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) return badField('Hello', 'size');
      const chunkBytes = body.readUInt32BE(at(28));
      if (
        chunkBytes < MIN_DATAGRAM_BYTES - DATA_HEADER_BYTES - TAG_BYTES ||
        chunkBytes > MAX_DATAGRAM_BYTES - DATA_HEADER_BYTES
      ) {
        return badField('Hello', 'chunkBytes');
      }
      return ok({ type: 'Hello', connectionId, size: Number(size), chunkBytes });
    }
    case DatagramType.Data: {
      if (length <= DATA_HEADER_BYTES || length > MAX_DATAGRAM_BYTES) return bad('Data', length);
      return ok({
        type: 'Data',
        connectionId,
        seq: body.readUInt32BE(at(20)),
        tx: body.readUInt32BE(at(24)),
        payload: body.subarray(at(DATA_HEADER_BYTES)),
      });
    }
    case DatagramType.Ack: {
      if (length < ACK_FIXED_BYTES) return bad('Ack', length);
      const count = body.readUInt16BE(at(36));
      if (length !== ACK_FIXED_BYTES + count * ACK_RANGE_BYTES) return bad('Ack', length);
      const cum = body.readUInt32BE(at(20));
      const top = body.readUInt32BE(at(24));
      const limit = body.readUInt32BE(at(28));
      const echoTx = body.readUInt32BE(at(32));
      if (top < cum) return badField('Ack', 'top');
      if (limit < cum) return badField('Ack', 'limit');
      const missing: SeqRange[] = [];
      let previousEnd = cum;
      for (let i = 0, offset = at(ACK_FIXED_BYTES); i < count; i++, offset += ACK_RANGE_BYTES) {
        const start = body.readUInt32BE(offset);
        const end = body.readUInt32BE(offset + 4);
        // ranges must be ascending, non-empty, disjoint and inside [cum, top)
        if (start < previousEnd || end <= start || end > top) return badField('Ack', 'missing');
        missing.push({ start, end });
        previousEnd = end;
      }
      return ok({ type: 'Ack', connectionId, cum, top, limit, echoTx, missing });
    }
    case DatagramType.Fin:
      if (length !== FIN_BYTES) return bad('Fin', length);
      return ok({ type: 'Fin', connectionId, sha256: body.subarray(at(20), at(52)) });
    case DatagramType.Done:
      if (length !== DONE_BYTES) return bad('Done', length);
      return ok({ type: 'Done', connectionId });
    case DatagramType.Abort: {
      if (length !== ABORT_BYTES) return bad('Abort', length);
      const reason = body.readUInt8(at(20));
      if (!ABORT_CODES.has(reason)) return badField('Abort', 'reason');
      return ok({ type: 'Abort', connectionId, reason: reason as AbortReasonCode });
    }
    default:
      return err({ type: 'UnknownType', code });
  }
}
