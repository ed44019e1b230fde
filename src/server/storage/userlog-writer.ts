import { replaceFileAtomically } from './atomic-replace.js';
import { DEFAULT_STORAGE, type StorageOptions } from './storage-fs.js';
import type { ResultAsync } from 'neverthrow';
import type { BackendError } from '../state/backend-error.js';

export interface UserlogEntry {
  username: string;
  since: string;
  address: string;
  udpPort: number;
}

export const formatUserlog = (entries: readonly UserlogEntry[]): string =>
  entries
    .map((e, i) => `${i + 1}; ${e.since}; ${e.username}; ${e.address}; ${e.udpPort}\n`)
    .join('');

/**
 * Keeps `userlog.txt` equal to the list of active users. Each rewrite goes to a temp file that is
 * renamed over the old one, so a reader never sees half a file (with `--sync always` the file
 * and the directory are fsynced around the rename). Changes that arrive during a
 * rewrite are coalesced into one more rewrite: a login storm costs a few rewrites, not one each.
 */
export class UserlogWriter {
  private inFlight: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(
    readonly file: string,
    /** The active users, in login order (presence's list). */
    private readonly list: () => ResultAsync<readonly UserlogEntry[], BackendError>,
    private readonly storage: StorageOptions = DEFAULT_STORAGE,
  ) {}

  /** Resolves after a rewrite that started after this call has completed. */
  update(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.rewrite().finally(() => (this.inFlight = undefined));
      return this.inFlight;
    }
    if (!this.next) {
      this.next = this.inFlight
        .catch(() => {})
        .then(() => {
          this.next = undefined;
          return this.update();
        });
    }
    return this.next;
  }

  private async rewrite(): Promise<void> {
    const listed = await this.list();
    if (listed.isErr()) throw new Error(`presence backend failed: ${listed.error.reason}`);
    await replaceFileAtomically(this.file, formatUserlog(listed.value), this.storage);
  }
}
