import { join } from 'node:path';
import { okAsync, type ResultAsync } from 'neverthrow';
import { AppendLog, type StorageError } from './append-log.js';

/** One `<group>_messagelog.txt` per group, opened when the group is created. */
export class GroupLogs {
  private readonly logs = new Map<string, AppendLog>();

  constructor(
    private readonly dataDir: string,
    private readonly onSealedTornLine: (file: string) => void = () => {},
  ) {}

  fileFor(group: string): string {
    return join(this.dataDir, `${group}_messagelog.txt`);
  }

  /** Creates the file if needed; an existing one (from before a restart) keeps its numbering. */
  open(group: string): ResultAsync<AppendLog, StorageError> {
    const existing = this.logs.get(group);
    if (existing) return okAsync(existing);
    return AppendLog.open(this.fileFor(group)).map(({ log, sealedTornLine }) => {
      if (sealedTornLine) this.onSealedTornLine(log.file);
      this.logs.set(group, log);
      return log;
    });
  }

  get(group: string): AppendLog | undefined {
    return this.logs.get(group);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.logs.values()].map((log) => log.close()));
  }
}
