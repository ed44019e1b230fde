import { basename } from 'node:path';
import {
  nodeStorageFs,
  type StorageFile,
  type StorageFs,
} from '../../src/server/storage/storage-fs.js';

/** One step in the journal: a file-system call (by file base name), or a note the test adds (an acknowledgement). */
export type JournalEntry =
  | { op: 'datasync' | 'fsync' | 'rename' | 'syncDirectory' | 'open'; file: string }
  /** `lines`: how many newlines the write carried (lines of a log, records of a store). */
  | { op: 'write'; file: string; lines: number }
  | { op: 'ack'; what: string };

const newlines = (bytes: Buffer): number => {
  let count = 0;
  for (const byte of bytes) if (byte === 0x0a) count++;
  return count;
};

/**
 * The real file system, with every call that matters for durability recorded in order in one
 * journal, so a test can check which syncs happened and whether each came before the
 * acknowledgement it guards.
 */
export class RecordingFs implements StorageFs {
  readonly journal: JournalEntry[] = [];

  async open(path: string, flags: 'a+' | 'w' | 'r'): Promise<StorageFile> {
    const file = await nodeStorageFs.open(path, flags);
    const name = basename(path);
    this.journal.push({ op: 'open', file: name });
    const journal = this.journal;
    return {
      read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
      async write(buffer, offset, length) {
        const result = await file.write(buffer, offset, length);
        journal.push({
          op: 'write',
          file: name,
          lines: newlines(buffer.subarray(offset, offset + result.bytesWritten)),
        });
        return result;
      },
      appendNow(bytes) {
        file.appendNow(bytes);
        journal.push({ op: 'write', file: name, lines: newlines(bytes) });
      },
      truncate: (length) => file.truncate(length),
      stat: () => file.stat(),
      async datasync() {
        await file.datasync();
        journal.push({ op: 'datasync', file: name });
      },
      async sync() {
        await file.sync();
        journal.push({ op: 'fsync', file: name });
      },
      close: () => file.close(),
    };
  }

  async rename(from: string, to: string): Promise<void> {
    await nodeStorageFs.rename(from, to);
    this.journal.push({ op: 'rename', file: `${basename(from)}->${basename(to)}` });
  }

  async syncDirectory(dir: string): Promise<void> {
    await nodeStorageFs.syncDirectory(dir);
    this.journal.push({ op: 'syncDirectory', file: basename(dir) });
  }

  ack(what: string): void {
    this.journal.push({ op: 'ack', what });
  }

  count(op: JournalEntry['op'], file?: string): number {
    return this.journal.filter(
      (e) => e.op === op && (file === undefined || ('file' in e && e.file === file)),
    ).length;
  }

  /** The operations on `file` (and acknowledgements), in order, e.g. ['fsync', 'rename', 'syncDirectory']. */
  opsOn(file: string): string[] {
    return this.journal
      .filter((e) => 'file' in e && (e.file === file || e.file.includes(`${file}`)))
      .map((e) => e.op);
  }

  /**
   * Checks that every acknowledgement came after its line was synced: walking the journal, lines
   * of `file` count as synced at the first datasync after their write; an ack of line `n` (acks
   * are noted as `line n`) needs at least n synced lines.
   */
  unsyncedAcks(file: string, firstLine = 1): string[] {
    let written = firstLine - 1;
    let synced = firstLine - 1;
    const bad: string[] = [];
    for (const e of this.journal) {
      if (e.op === 'write' && e.file === file) written += e.lines;
      else if (e.op === 'datasync' && e.file === file) synced = written;
      else if (e.op === 'ack') {
        const n = Number(/^line (\d+)$/.exec(e.what)?.[1]);
        if (!(n <= synced)) bad.push(e.what);
      }
    }
    return bad;
  }
}
