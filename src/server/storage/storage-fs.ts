import { writeSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';

/**
 * When the server asks the OS to put data on stable storage.
 * * `always`: an acknowledgement is sent only after its line is on stable storage (one
 *   `fdatasync` per batch of lines: group commit); atomic rewrites fsync the file and its directory.
 * * `off`: no fsync anywhere; acknowledged data survives a crash of the server, not of the machine.
 */
export type SyncPolicy = 'always' | 'off';

export const SYNC_POLICIES: readonly SyncPolicy[] = ['always', 'off'];

/** The careful default: "message sent" means the message is on disk. */
export const DEFAULT_SYNC_POLICY: SyncPolicy = 'always';

/** The part of an open file the storage code uses (node's FileHandle has this shape). */
export interface StorageFile {
  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  /**
   * Writes all of `bytes` at the end of the file (opened for appending) now, on the calling
   * thread; throws if it cannot. A write goes to the page cache and returns in microseconds: on
   * the event loop it costs less than a round trip through libuv's thread pool, and it is how
   * the logs append (appendBatch). Waiting for the disk (fdatasync) stays asynchronous.
   */
  appendNow(bytes: Buffer): void;
  truncate(length: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  /** Data (and the size) on stable storage: fdatasync. */
  datasync(): Promise<void>;
  /** Data and every attribute on stable storage: fsync. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system calls the storage layer makes, injected so tests can record them (which
 * syncs happen, and in what order with acknowledgements) or make them fail.
 */
export interface StorageFs {
  open(path: string, flags: 'a+' | 'w' | 'r'): Promise<StorageFile>;
  rename(from: string, to: string): Promise<void>;
  /** fsync of a directory, so a created or renamed entry in it survives a power cut. */
  syncDirectory(dir: string): Promise<void>;
}

/** Node's FileHandle, with the synchronous append it lacks. */
function storageFileOf(handle: FileHandle): StorageFile {
  return {
    read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
    write: (buffer, offset, length) => handle.write(buffer, offset, length),
    appendNow(bytes) {
      for (let offset = 0; offset < bytes.length;)
        offset += writeSync(handle.fd, bytes, offset, bytes.length - offset);
    },
    truncate: (length) => handle.truncate(length),
    stat: () => handle.stat(),
    datasync: () => handle.datasync(),
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

export const nodeStorageFs: StorageFs = {
  open: async (path, flags) => storageFileOf(await open(path, flags)),
  rename: (from, to) => rename(from, to),
  async syncDirectory(dir) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** How the storage code writes: through which file system, with which sync policy. */
export interface StorageOptions {
  fs: StorageFs;
  sync: SyncPolicy;
}

export const DEFAULT_STORAGE: StorageOptions = { fs: nodeStorageFs, sync: DEFAULT_SYNC_POLICY };

export async function writeFully(file: StorageFile, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** A write that did not reach the file: which file, and the error code. */
export type StorageError = { type: 'StorageFailed'; file: string; reason: string };

/**
 * Appends one batch of whole lines at the end of `file` (`size` bytes long) now (appendNow) and,
 * under `--sync always`, waits for one fdatasync for the whole batch (group commit). On failure
 * the file is cut back to `size`, so the next batch starts on a line of its own, and the error is
 * returned, naming `fileName`.
 */
export async function appendBatch(
  file: StorageFile,
  fileName: string,
  size: number,
  bytes: Buffer,
  sync: SyncPolicy,
): Promise<StorageError | null> {
  try {
    file.appendNow(bytes);
    if (sync === 'always') await file.datasync();
    return null;
  } catch (e) {
    await file.truncate(size).catch(() => {});
    return {
      type: 'StorageFailed',
      file: fileName,
      reason: (e as NodeJS.ErrnoException).code ?? String(e),
    };
  }
}
