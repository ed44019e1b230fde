import { appendBatch, type StorageError, type StorageFile, type SyncPolicy } from './storage-fs.js';

/** One batch as it goes to the file: its bytes, and what to tell its callers once written. */
export interface PreparedBatch {
  bytes: Buffer;
  /** `null` once the bytes are written (and synced, under `--sync always`), else the failure. */
  settle(failure: StorageError | null): void;
}

/**
 * Group commit for an append-only file: whatever is added in one event-loop turn goes out as one
 * write at the end of that turn (lines from every connection read in that turn, not one write per
 * request), and whatever is added while an fdatasync (`--sync always`) is in flight goes out
 * together as the next single write. A failed write is cut back (appendBatch), so the file only
 * ever holds whole batches and the next one starts on a line of its own.
 */
export class GroupCommit<Item> {
  private queue: Item[] = [];
  private writing = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  constructor(
    private readonly handle: StorageFile,
    private readonly fileName: string,
    private size: number,
    private readonly sync: SyncPolicy,
    private readonly prepare: (batch: Item[]) => PreparedBatch,
  ) {}

  add(item: Item): void {
    this.queue.push(item);
    if (this.writing) return;
    this.writing = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    setImmediate(() => void this.flush());
  }

  /** Resolves once every item added so far has been written (or failed). */
  drain(): Promise<void> {
    return this.idle;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const { bytes, settle } = this.prepare(batch);
      const failure = await appendBatch(this.handle, this.fileName, this.size, bytes, this.sync);
      if (failure === null) this.size += bytes.length;
      settle(failure);
    }
    this.writing = false;
    this.markIdle();
  }
}
