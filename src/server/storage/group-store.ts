import { ResultAsync } from 'neverthrow';
import { replaceFileAtomically } from './atomic-replace.js';
import { encodeRecordLine, parseRecordLines } from './record-file.js';
import { GroupCommit } from './group-commit.js';
import { type StorageError, type StorageFile, type StorageOptions } from './storage-fs.js';

export type StoredMembership = 'invited' | 'joined';

/** A group as stored: members in order (creator first) with their membership. */
export interface StoredGroup {
  name: string;
  members: Array<[string, StoredMembership]>;
}

/** What the store records: a whole group (on creation, and in snapshots), or one join. */
export type GroupRecord =
  | { t: 'group'; group: string; members: Array<[string, StoredMembership]> }
  | { t: 'join'; group: string; user: string };

export interface OpenedGroupStore {
  store: GroupStore;
  groups: StoredGroup[];
  /** Records that were damaged (checksum or JSON wrong) and skipped. */
  damaged: number;
  /** A record cut short by a crash was found at the end and ignored. */
  tornTail: boolean;
}

const isName = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isMembership = (value: unknown): value is StoredMembership =>
  value === 'invited' || value === 'joined';

function isGroupRecord(value: unknown): value is GroupRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (!isName(record.group)) return false;
  if (record.t === 'join') return isName(record.user);
  return (
    record.t === 'group' &&
    Array.isArray(record.members) &&
    record.members.every(
      (m: unknown) => Array.isArray(m) && m.length === 2 && isName(m[0]) && isMembership(m[1]),
    )
  );
}

/** Applies records in order; a record that contradicts what came before is skipped. */
function replay(records: readonly unknown[]): {
  groups: Map<string, Map<string, StoredMembership>>;
  damaged: number;
} {
  const groups = new Map<string, Map<string, StoredMembership>>();
  let damaged = 0;
  for (const record of records) {
    if (!isGroupRecord(record)) {
      damaged++;
    } else if (record.t === 'group') {
      if (groups.has(record.group)) damaged++;
      else groups.set(record.group, new Map(record.members));
    } else {
      const members = groups.get(record.group);
      if (members?.get(record.user) === 'invited') members.set(record.user, 'joined');
      else damaged++;
    }
  }
  return { groups, damaged };
}

interface Pending {
  bytes: Buffer;
  resolve: () => void;
  reject: (error: StorageError) => void;
}

/**
 * Groups, invitations and joins in one file of checksummed records (`groups.db` in the data
 * directory). Changes are appended; at every start the file is read, torn or damaged records are
 * dropped, and it is rewritten compactly (temp file, fsync, rename, directory fsync), so it never
 * grows beyond the state it holds plus one run's changes. Appends are batched like the message
 * logs: one write and, with `--sync always`, one fdatasync per batch, before anyone is answered.
 */
export class GroupStore {
  private readonly commits: GroupCommit<Pending>;

  private constructor(
    readonly file: string,
    private readonly handle: StorageFile,
    size: number,
    storage: StorageOptions,
  ) {
    this.commits = new GroupCommit(handle, file, size, storage.sync, (batch) => ({
      bytes: Buffer.concat(batch.map((p) => p.bytes)),
      settle: (failure) =>
        batch.forEach((p) => (failure === null ? p.resolve() : p.reject(failure))),
    }));
  }

  static open(file: string, storage: StorageOptions): ResultAsync<OpenedGroupStore, StorageError> {
    return ResultAsync.fromPromise(GroupStore.openUnsafe(file, storage), (e) => ({
      type: 'StorageFailed' as const,
      file,
      reason: (e as NodeJS.ErrnoException).code ?? String(e),
    }));
  }

  private static async openUnsafe(
    file: string,
    storage: StorageOptions,
  ): Promise<OpenedGroupStore> {
    const parsed = parseRecordLines(await readIfExists(file, storage));
    const { groups, damaged } = replay(parsed.records);
    const snapshot: StoredGroup[] = [...groups].map(([name, members]) => ({
      name,
      members: [...members],
    }));
    const text = snapshot
      .map((g) =>
        encodeRecordLine({ t: 'group', group: g.name, members: g.members } satisfies GroupRecord),
      )
      .join('');
    await replaceFileAtomically(file, text, storage);
    const handle = await storage.fs.open(file, 'a+');
    const { size } = await handle.stat();
    return {
      store: new GroupStore(file, handle, size, storage),
      groups: snapshot,
      damaged: parsed.damaged + damaged,
      tornTail: parsed.tornTail,
    };
  }

  /** Resolves once the record is written (and, with `--sync always`, on stable storage). */
  record(record: GroupRecord): Promise<void> {
    return new Promise((resolve, reject) =>
      this.commits.add({ bytes: Buffer.from(encodeRecordLine(record), 'utf8'), resolve, reject }),
    );
  }

  async close(): Promise<void> {
    await this.commits.drain();
    await this.handle.close();
  }
}

async function readIfExists(file: string, storage: StorageOptions): Promise<string> {
  let handle: StorageFile;
  try {
    handle = await storage.fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset).toString('utf8');
  } finally {
    await handle.close();
  }
}
