// The sender's view of the file: opened once, read in order a block at a time (recycled blocks,
// see block-pool.ts), cut into chunks, and hashed as read, so the SHA-256 is ready when the last
// chunk was read and no byte is read twice. Keeps about two blocks read ahead of the send window.
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { err, ok, type Result } from 'neverthrow';
import { Block, BlockPool } from './block-pool.js';
import { errorText, type TransferError } from './transfer-error.js';

/** One chunk of the file, cut from a pooled block it keeps retained until released. */
export interface Chunk {
  readonly data: Buffer;
  readonly block: Block;
}

export interface BlockReaderEvents {
  /** New chunks are ready to `take`. */
  readonly onChunks: () => void;
  readonly onError: (error: TransferError) => void;
}

export class BlockReader {
  private readonly hash: Hash = createHash('sha256');
  private readonly queue: Chunk[] = [];
  private readonly blockBytes: number;
  private readonly pool: BlockPool;
  private offset = 0;
  private reading = false;
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    readonly size: number,
    private readonly chunkBytes: number,
    windowBytes: number,
    private readonly events: BlockReaderEvents,
  ) {
    this.blockBytes = chunkBytes * Math.max(1, Math.floor((1024 * 1024) / chunkBytes));
    // window + read-ahead, in blocks, plus slack for blocks pinned by a single unacknowledged chunk
    this.pool = new BlockPool(this.blockBytes, Math.ceil(windowBytes / this.blockBytes) + 4);
  }

  /** Opens a regular file for reading; its size fixes the transfer's. */
  static async open(
    path: string,
    chunkBytes: number,
    windowBytes: number,
    events: BlockReaderEvents,
  ): Promise<Result<BlockReader, TransferError>> {
    let file: FileHandle | null = null;
    try {
      file = await open(path, 'r');
      const st = await file.stat();
      if (!st.isFile()) {
        await file.close();
        return err({ type: 'FileUnreadable', path, detail: 'not a regular file' });
      }
      return ok(new BlockReader(file, path, st.size, chunkBytes, windowBytes, events));
    } catch (e) {
      await file?.close().catch(() => undefined);
      return err({ type: 'FileUnreadable', path, detail: errorText(e) });
    }
  }

  /** Chunks read and not yet taken. */
  get queued(): number {
    return this.queue.length;
  }

  /** The next chunk in file order, if read already. */
  take(): Chunk | undefined {
    return this.queue.shift();
  }

  /** The SHA-256 of the whole file; only once every byte was read. */
  digest(): Buffer {
    if (this.offset < this.size) throw new Error('BlockReader.digest before the end of the file');
    return this.hash.digest();
  }

  /** Starts the next read unless one runs, the file is done, or two blocks wait already. */
  readAhead(): void {
    if (this.reading || this.closed || this.offset >= this.size) return;
    if (this.queue.length * this.chunkBytes >= 2 * this.blockBytes) return;
    const length = Math.min(this.blockBytes, this.size - this.offset);
    const pooled = this.pool.acquire();
    const block = pooled.buffer.subarray(0, length);
    this.reading = true;
    this.file.read(block, 0, length, this.offset).then(
      ({ bytesRead }) => {
        this.reading = false;
        if (this.closed) return;
        if (bytesRead !== length) {
          return this.events.onError({
            type: 'FileUnreadable',
            path: this.path,
            detail: 'the file shrank while being sent',
          });
        }
        this.hash.update(block);
        for (let at = 0; at < length; at += this.chunkBytes) {
          pooled.retain();
          this.queue.push({
            data: block.subarray(at, Math.min(length, at + this.chunkBytes)),
            block: pooled,
          });
        }
        this.offset += length;
        this.events.onChunks();
      },
      (e: unknown) => {
        this.reading = false;
        if (!this.closed)
          this.events.onError({ type: 'FileUnreadable', path: this.path, detail: errorText(e) });
      },
    );
  }

  /** Closes the file; a read still running is ignored when it lands. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    await this.file.close().catch(() => undefined);
  }
}
