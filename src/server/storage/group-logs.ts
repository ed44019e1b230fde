import { join } from 'node:path';
import { okAsync, type ResultAsync } from 'neverthrow';
import { AppendLog, type StorageError } from './append-log.js';
import { DEFAULT_STORAGE, type StorageOptions } from './storage-fs.js';

/** Group logs kept open at once; the least recently used one is closed beyond this. */
const MAX_OPEN_LOGS = 64;

/**
 * One `<group>_messagelog.txt` per group, created with the group. Only the most recently used
 * logs stay open, so thousands of groups never exhaust the process's file descriptors; a closed
 * log is reopened on its next message and its numbering recovered from the file.
 */
export class GroupLogs {
  /** Open logs, least recently used first (Map keeps insertion order). */
  private readonly open_ = new Map<string, AppendLog>();
  private readonly opening = new Map<string, ResultAsync<AppendLog, StorageError>>();

  constructor(
    private readonly dataDir: string,
    private readonly onSealedTornLine: (file: string) => void = () => {},
    private readonly storage: StorageOptions = DEFAULT_STORAGE,
  ) {}

  fileFor(group: string): string {
    return join(this.dataDir, `${group}_messagelog.txt`);
  }

  /** The group's log, opening (and creating) the file if needed. */
  open(group: string): ResultAsync<AppendLog, StorageError> {
    const existing = this.open_.get(group);
    if (existing) {
      this.open_.delete(group);
      this.open_.set(group, existing);
      return okAsync(existing);
    }
    const pending = this.opening.get(group);
    if (pending) return pending;
    const opening = AppendLog.open(this.fileFor(group), undefined, this.storage).map(
      ({ log, sealedTornLine }) => {
        this.opening.delete(group);
        if (sealedTornLine) this.onSealedTornLine(log.file);
        this.open_.set(group, log);
        this.closeLeastRecentlyUsed();
        return log;
      },
    );
    void opening.mapErr(() => this.opening.delete(group));
    this.opening.set(group, opening);
    return opening;
  }

  private closeLeastRecentlyUsed(): void {
    while (this.open_.size > MAX_OPEN_LOGS) {
      const [group, log] = this.open_.entries().next().value as [string, AppendLog];
      this.open_.delete(group);
      void log.close();
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open_.values()].map((log) => log.close()));
    this.open_.clear();
  }
}
