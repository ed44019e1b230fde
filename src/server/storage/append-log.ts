import { dirname } from 'node:path';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { formatTimestamp } from '../../shared/timestamp.js';
import { GroupCommit, type PreparedBatch } from './group-commit.js';
import {
  DEFAULT_STORAGE,
  writeFully,
  type StorageError,
  type StorageFile,
  type StorageOptions,
} from './storage-fs.js';

export type { StorageError };

export interface AppendedLine {
  n: number;
  ts: string;
}

/** Builds the text of one log line, without its newline, once its number and time are known. */
export type LineBuilder = (n: number, ts: string) => string;

/**
 * What commands need of a numbered log. The file-backed AppendLog below is the one we have; a
 * shared backend (several server processes) would implement this instead.
 */
export interface NumberedLog {
  append(build: LineBuilder): ResultAsync<AppendedLine, StorageError>;
  /** Resolves once every line asked for is written (or failed); no appends after it. */
  close(): Promise<void>;
}

interface Pending {
  build: LineBuilder;
  /** The caller's promise: settled with the line's number and time, or the failure. */
  settle: (outcome: Result<AppendedLine, StorageError>) => void;
}

const TAIL_BYTES = 64 * 1024;
const LEADING_NUMBER = /^(\d+); /;

/**
 * The number of the last numbered line, read backwards from the end in 64 KiB steps, so a line
 * longer than one step (a long message) is still found. A torn fragment that still shows its
 * number keeps it, so no number is ever used twice.
 */
async function lastNumberIn(handle: StorageFile, size: number): Promise<number> {
  let end = size;
  let carry = Buffer.alloc(0);
  while (end > 0) {
    const start = Math.max(0, end - TAIL_BYTES);
    const chunk = Buffer.alloc(end - start);
    await handle.read(chunk, 0, chunk.length, start);
    const text = Buffer.concat([chunk, carry]);
    const lines = text.toString('utf8').split('\n');
    // The first piece may be the tail of a line that starts further back: keep it for the next step.
    const complete = start === 0 ? lines : lines.slice(1);
    for (let i = complete.length - 1; i >= 0; i--) {
      const match = LEADING_NUMBER.exec(complete[i] ?? '');
      if (match) return Number(match[1]);
    }
    carry =
      start === 0
        ? Buffer.alloc(0)
        : text.subarray(0, text.indexOf(0x0a) < 0 ? text.length : text.indexOf(0x0a));
    end = start;
  }
  return 0;
}

/**
 * A numbered, append-only log file (`messagelog.txt`, `<group>_messagelog.txt`).
 *
 * Lines are numbered when they are written, not when they are requested, so a failed write
 * leaves no gap. Requests that arrive while a write is in flight are batched into the next single
 * write (group commit); with the `always` sync policy that write is followed by one `fdatasync`
 * for the whole batch. Each caller's promise resolves only after its line is written (and, with
 * `always`, on stable storage): acknowledge-after-write. A failed write or sync is rolled back
 * (truncate to the last good size) so no torn line remains.
 */
export class AppendLog implements NumberedLog {
  private readonly commits: GroupCommit<Pending>;

  private constructor(
    readonly file: string,
    private readonly handle: StorageFile,
    size: number,
    private lastNumber: number,
    private readonly now: () => Date,
    storage: StorageOptions,
  ) {
    this.commits = new GroupCommit(handle, file, size, storage.sync, (batch) => this.number(batch));
  }

  /**
   * Opens (creating if needed) and recovers the numbering from the last complete line. A torn
   * last line (a crash mid-write) is sealed with a newline and reported, never fatal.
   */
  static open(
    file: string,
    now: () => Date = () => new Date(),
    storage: StorageOptions = DEFAULT_STORAGE,
  ): ResultAsync<{ log: AppendLog; sealedTornLine: boolean }, StorageError> {
    return ResultAsync.fromPromise(AppendLog.openUnsafe(file, now, storage), (e) => ({
      type: 'StorageFailed' as const,
      file,
      reason: (e as NodeJS.ErrnoException).code ?? String(e),
    }));
  }

  private static async openUnsafe(file: string, now: () => Date, storage: StorageOptions) {
    const handle = await storage.fs.open(file, 'a+');
    try {
      let { size } = await handle.stat();
      let sealedTornLine = false;
      if (size === 0 && storage.sync === 'always') {
        // Possibly just created: its directory entry must survive a power cut too.
        await storage.fs.syncDirectory(dirname(file));
      }
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) {
          await writeFully(handle, Buffer.from('\n'));
          if (storage.sync === 'always') await handle.datasync();
          size += 1;
          sealedTornLine = true;
        }
      }
      return {
        log: new AppendLog(file, handle, size, await lastNumberIn(handle, size), now, storage),
        sealedTornLine,
      };
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  get lastLineNumber(): number {
    return this.lastNumber;
  }

  append(build: LineBuilder): ResultAsync<AppendedLine, StorageError> {
    return new ResultAsync(
      new Promise<Result<AppendedLine, StorageError>>((settle) =>
        this.commits.add({ build, settle }),
      ),
    );
  }

  /** A batch's lines get the next numbers and one time stamp; the numbers count once written. */
  private number(batch: Pending[]): PreparedBatch {
    const ts = formatTimestamp(this.now());
    const first = this.lastNumber + 1;
    let text = '';
    for (let i = 0; i < batch.length; i++) text += `${batch[i]!.build(first + i, ts)}\n`;
    return {
      bytes: Buffer.from(text, 'utf8'),
      settle: (failure) => {
        if (failure === null) {
          this.lastNumber += batch.length;
          for (let i = 0; i < batch.length; i++) batch[i]!.settle(ok({ n: first + i, ts }));
        } else {
          const failed = err(failure);
          for (const p of batch) p.settle(failed);
        }
      },
    };
  }

  /** Resolves once every requested line has been written (or failed). */
  drain(): Promise<void> {
    return this.commits.drain();
  }

  async close(): Promise<void> {
    await this.drain();
    await this.handle.close();
  }
}
