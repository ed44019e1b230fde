// Binary codec for the UDP datagrams of a transfer. Every datagram starts with the same 20-byte
// preamble; decoding never throws: anything short, unknown or inconsistent becomes an `err` that
// the caller counts and drops (UDP delivers garbage too, and anyone can send to our port).
//
//   offset size field
//   0      2    magic 0x54 0x50 ("TP")
//   2      1    version (1)
//   3      1    type (HELLO=1 DATA=2 ACK=3 FIN=4 DONE=5 ABORT=6)
//   4      16   token: the 128-bit secret the server gave both peers; identifies the transfer
//   20     ...  type-specific body (all integers big-endian)
import { err, ok, type Result } from 'neverthrow';

export const MAGIC = 0x5450;
export const VERSION = 1;
export const TOKEN_BYTES = 16;
export const PREAMBLE_BYTES = 20;
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
  | { readonly type: 'Hello'; readonly token: Buffer; readonly size: number; readonly chunkBytes: number }
  | { readonly type: 'Data'; readonly token: Buffer; readonly seq: number; readonly tx: number; readonly payload: Buffer }
  | {
      readonly type: 'Ack';
      readonly token: Buffer;
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
  | { readonly type: 'Fin'; readonly token: Buffer; readonly sha256: Buffer }
  | { readonly type: 'Done'; readonly token: Buffer }
  | { readonly type: 'Abort'; readonly token: Buffer; readonly reason: AbortReasonCode };

export type DecodeError =
  | { readonly type: 'TooShort'; readonly length: number }
  | { readonly type: 'BadMagic' }
  | { readonly type: 'BadVersion'; readonly version: number }
  | { readonly type: 'UnknownType'; readonly code: number }
  | { readonly type: 'BadLength'; readonly datagram: string; readonly length: number }
  | { readonly type: 'BadField'; readonly datagram: string; readonly field: string };

function preamble(type: number, token: Buffer, bodyBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(PREAMBLE_BYTES + bodyBytes);
  buf.writeUInt16BE(MAGIC, 0);
  buf.writeUInt8(VERSION, 2);
  buf.writeUInt8(type, 3);
  token.copy(buf, 4, 0, TOKEN_BYTES);
  return buf;
}

export function encodeHello(token: Buffer, size: number, chunkBytes: number): Buffer {
  const buf = preamble(DatagramType.Hello, token, HELLO_BYTES - PREAMBLE_BYTES);
  buf.writeBigUInt64BE(BigInt(size), 20);
  buf.writeUInt32BE(chunkBytes, 28);
  return buf;
}

/** Only the header: the payload is passed to `socket.send` as a second buffer (no copy). */
export function encodeDataHeader(token: Buffer, seq: number, tx: number): Buffer {
  const buf = preamble(DatagramType.Data, token, DATA_HEADER_BYTES - PREAMBLE_BYTES);
  buf.writeUInt32BE(seq, 20);
  buf.writeUInt32BE(tx >>> 0, 24);
  return buf;
}

/** How many missing ranges fit in one ACK of `datagramBytes`. */
export function maxAckRanges(datagramBytes: number): number {
  return Math.min(0xffff, Math.floor((datagramBytes - ACK_FIXED_BYTES) / ACK_RANGE_BYTES));
}

export function encodeAck(
  token: Buffer,
  ack: { cum: number; top: number; limit: number; echoTx: number; missing: readonly SeqRange[] },
): Buffer {
  const buf = preamble(DatagramType.Ack, token, ACK_FIXED_BYTES - PREAMBLE_BYTES + ack.missing.length * ACK_RANGE_BYTES);
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

export function encodeFin(token: Buffer, sha256: Buffer): Buffer {
  const buf = preamble(DatagramType.Fin, token, 32);
  sha256.copy(buf, 20, 0, 32);
  return buf;
}

export function encodeDone(token: Buffer): Buffer {
  return preamble(DatagramType.Done, token, 0);
}

export function encodeAbort(token: Buffer, reason: AbortReasonCode): Buffer {
  const buf = preamble(DatagramType.Abort, token, 1);
  buf.writeUInt8(reason, 20);
  return buf;
}

const bad = (datagram: string, length: number): Result<never, DecodeError> => err({ type: 'BadLength', datagram, length });
const badField = (datagram: string, field: string): Result<never, DecodeError> => err({ type: 'BadField', datagram, field });

/**
 * Parses one datagram. The returned token and payload are views into `buf` (no copies), so the
 * caller must not reuse `buf` while it keeps them.
 */
export function decodeDatagram(buf: Buffer): Result<Datagram, DecodeError> {
  const length = buf.length;
  if (length < PREAMBLE_BYTES) return err({ type: 'TooShort', length });
  if (buf.readUInt16BE(0) !== MAGIC) return err({ type: 'BadMagic' });
  const version = buf.readUInt8(2);
  if (version !== VERSION) return err({ type: 'BadVersion', version });
  const code = buf.readUInt8(3);
  const token = buf.subarray(4, 4 + TOKEN_BYTES);
  switch (code) {
    case DatagramType.Hello: {
      if (length !== HELLO_BYTES) return bad('Hello', length);
      const size = buf.readBigUInt64BE(20);
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) return badField('Hello', 'size');
      const chunkBytes = buf.readUInt32BE(28);
      if (chunkBytes < MIN_DATAGRAM_BYTES - DATA_HEADER_BYTES || chunkBytes > MAX_DATAGRAM_BYTES - DATA_HEADER_BYTES) {
        return badField('Hello', 'chunkBytes');
      }
      return ok({ type: 'Hello', token, size: Number(size), chunkBytes });
    }
    case DatagramType.Data: {
      if (length <= DATA_HEADER_BYTES || length > MAX_DATAGRAM_BYTES) return bad('Data', length);
      return ok({
        type: 'Data',
        token,
        seq: buf.readUInt32BE(20),
        tx: buf.readUInt32BE(24),
        payload: buf.subarray(DATA_HEADER_BYTES),
      });
    }
    case DatagramType.Ack: {
      if (length < ACK_FIXED_BYTES) return bad('Ack', length);
      const count = buf.readUInt16BE(36);
      if (length !== ACK_FIXED_BYTES + count * ACK_RANGE_BYTES) return bad('Ack', length);
      const cum = buf.readUInt32BE(20);
      const top = buf.readUInt32BE(24);
      const limit = buf.readUInt32BE(28);
      const echoTx = buf.readUInt32BE(32);
      if (top < cum) return badField('Ack', 'top');
      if (limit < cum) return badField('Ack', 'limit');
      const missing: SeqRange[] = [];
      let previousEnd = cum;
      for (let i = 0, at = ACK_FIXED_BYTES; i < count; i++, at += ACK_RANGE_BYTES) {
        const start = buf.readUInt32BE(at);
        const end = buf.readUInt32BE(at + 4);
        // ranges must be ascending, non-empty, disjoint and inside [cum, top)
        if (start < previousEnd || end <= start || end > top) return badField('Ack', 'missing');
        missing.push({ start, end });
        previousEnd = end;
      }
      return ok({ type: 'Ack', token, cum, top, limit, echoTx, missing });
    }
    case DatagramType.Fin:
      if (length !== FIN_BYTES) return bad('Fin', length);
      return ok({ type: 'Fin', token, sha256: buf.subarray(20, 52) });
    case DatagramType.Done:
      if (length !== DONE_BYTES) return bad('Done', length);
      return ok({ type: 'Done', token });
    case DatagramType.Abort: {
      if (length !== ABORT_BYTES) return bad('Abort', length);
      const reason = buf.readUInt8(20);
      if (!ABORT_CODES.has(reason)) return badField('Abort', 'reason');
      return ok({ type: 'Abort', token, reason: reason as AbortReasonCode });
    }
    default:
      return err({ type: 'UnknownType', code });
  }
}
