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
 *
 * Two ways to read it: `push` returns every whole frame of a chunk as Buffers (clients, tests);
 * the server's hot path uses `append` and then `nextText` frame by frame, which makes no Buffer
 * per frame (the payload is decoded straight to a string) and can stop between any two frames
 * (back-pressure: the rest stays here until the connection reads on).
 */
export class FrameDecoder {
  private pending: Buffer = NOTHING;
  /** Where the first unread byte of `pending` is: frames are consumed without slicing. */
  private offset = 0;
  private failure: FrameError | undefined;

  constructor(private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received but not yet part of a complete frame taken out. */
  get bufferedBytes(): number {
    return this.pending.length - this.offset;
  }

  /** Why the stream broke, once it has. */
  get error(): FrameError | undefined {
    return this.failure;
  }

  append(chunk: Buffer): void {
    if (this.failure) return;
    if (this.offset === this.pending.length) this.pending = chunk;
    else this.pending = Buffer.concat([this.pending.subarray(this.offset), chunk]);
    this.offset = 0;
  }

  /**
   * The end of the next whole frame (its payload starts FRAME_HEADER_BYTES after `offset`), or
   * -1 when none is complete yet or the stream broke (see `error`).
   */
  private nextEnd(): number {
    if (this.failure || this.pending.length - this.offset < FRAME_HEADER_BYTES) return -1;
    const size = this.pending.readUInt32BE(this.offset);
    if (size === 0) return this.fail({ type: 'EmptyFrame' });
    if (size > this.maxFrameBytes)
      return this.fail({ type: 'FrameTooLarge', size, max: this.maxFrameBytes });
    const end = this.offset + FRAME_HEADER_BYTES + size;
    return end > this.pending.length ? -1 : end;
  }

  /** Moves past a frame ending at `end`; a fully read chunk is let go at once. */
  private consume(end: number): void {
    if (end === this.pending.length) {
      this.pending = NOTHING;
      this.offset = 0;
    } else this.offset = end;
  }

  /** The next whole frame's payload as text, or undefined (none complete yet, or `error`). */
  nextText(): string | undefined {
    const end = this.nextEnd();
    if (end < 0) return undefined;
    const text = this.pending.toString('utf8', this.offset + FRAME_HEADER_BYTES, end);
    this.consume(end);
    return text;
  }

  push(chunk: Buffer): Result<Buffer[], FrameError> {
    this.append(chunk);
    const frames: Buffer[] = [];
    for (let end = this.nextEnd(); end >= 0; end = this.nextEnd()) {
      frames.push(this.pending.subarray(this.offset + FRAME_HEADER_BYTES, end));
      this.consume(end);
    }
    return this.failure ? err(this.failure) : ok(frames);
  }

  private fail(error: FrameError): -1 {
    this.failure = error;
    this.pending = NOTHING;
    this.offset = 0;
    return -1;
  }
}
