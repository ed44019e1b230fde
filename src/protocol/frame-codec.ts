import { err, ok, type Result } from 'neverthrow';

// A frame is a 4-byte big-endian payload length followed by that many bytes of UTF-8 JSON.
// Length-prefixing (rather than newline-delimiting) lets the decoder refuse an oversized frame
// from its header alone, before buffering a single byte of it.
export const FRAME_HEADER_BYTES = 4;
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

// Shared by every idle decoder: an empty buffer per connection would cost memory for nothing.
const NOTHING = Buffer.alloc(0);

export type FrameError =
  { type: 'FrameTooLarge'; size: number; max: number } | { type: 'EmptyFrame' };

export function encodeFrame(payload: string): Buffer {
  // One allocation per frame: the string is encoded straight after the header.
  const length = Buffer.byteLength(payload, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame.write(payload, FRAME_HEADER_BYTES, 'utf8');
  return frame;
}

/**
 * Accumulates stream chunks and yields whole frames. After an oversized or empty header the
 * stream cannot be re-synchronised, so the decoder stays failed and the caller closes the link.
 */
export class FrameDecoder {
  private pending: Buffer = NOTHING;
  private failure: FrameError | undefined;

  constructor(private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): Result<Buffer[], FrameError> {
    if (this.failure) return err(this.failure);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let offset = 0;
    while (this.pending.length - offset >= FRAME_HEADER_BYTES) {
      const size = this.pending.readUInt32BE(offset);
      if (size === 0) return this.fail({ type: 'EmptyFrame' });
      if (size > this.maxFrameBytes)
        return this.fail({ type: 'FrameTooLarge', size, max: this.maxFrameBytes });
      const end = offset + FRAME_HEADER_BYTES + size;
      if (end > this.pending.length) break;
      frames.push(this.pending.subarray(offset + FRAME_HEADER_BYTES, end));
      offset = end;
    }
    this.pending = offset === this.pending.length ? NOTHING : this.pending.subarray(offset);
    return ok(frames);
  }

  private fail(error: FrameError): Result<Buffer[], FrameError> {
    this.failure = error;
    this.pending = NOTHING;
    return err(error);
  }
}
