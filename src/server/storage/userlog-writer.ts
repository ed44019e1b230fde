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

const SEPARATOR = Buffer.from('; ');
const NEWLINE = 0x0a;
const DIGIT_0 = 0x30;

/** Writes `n` (a non-negative integer) in decimal at `at`; returns the offset after it. */
function writeDecimal(bytes: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
  for (let i = at + digits - 1, rest = n; i >= at; i -= 1, rest = Math.floor(rest / 10))
    bytes[i] = DIGIT_0 + (rest % 10);
  return at + digits;
}

const sameEntry = (a: UserlogEntry, b: UserlogEntry): boolean =>
  a === b ||
  (a.username === b.username &&
    a.since === b.since &&
    a.address === b.address &&
    a.udpPort === b.udpPort);

/**
 * `userlog.txt`'s bytes (`seq; TS; username; client_ip; client_udp_port`, one line per entry),
 * written straight into a buffer kept from one rewrite to the next. A login storm rewrites the
 * whole list a few hundred times; built as a string per line, joined, then encoded, each rewrite
 * left about 1 MiB of garbage per 10,000 users in V8's heap and the joined text in its
 * large-object space, which V8 hands back to the system only long after the storm
 * (docs/BENCHMARKS.md, "Idle memory: where the rest goes"). Bytes written into the kept buffer
 * leave none.
 *
 * Logins only add users at the end of the list (it is in login order), so when the list still
 * starts with the entries already written, only the new ones are: a storm of 10,000 logins spent
 * 5.7 of its ~15 s of server time formatting lines it had already written (docs/BENCHMARKS.md,
 * round 6).
 */
export class UserlogBytes {
  private buffer = Buffer.alloc(0);
  /** The entries the buffer holds, in order, and where their lines end. */
  private written: UserlogEntry[] = [];
  private writtenBytes = 0;

  /** The file's content; valid until the next call. */
  format(entries: readonly UserlogEntry[]): Buffer {
    if (!this.startsWithWritten(entries)) {
      this.written = [];
      this.writtenBytes = 0;
    }
    let at = this.writtenBytes;
    for (let i = this.written.length; i < entries.length; i++) {
      const e = entries[i]!;
      // UTF-8 takes at most 3 bytes per UTF-16 unit; two numbers and four separators fit in 48.
      this.reserve(at, 3 * (e.since.length + e.username.length + e.address.length) + 48);
      const bytes = this.buffer;
      at = writeDecimal(bytes, at, i + 1);
      at += SEPARATOR.copy(bytes, at);
      at += bytes.write(e.since, at, 'utf8');
      at += SEPARATOR.copy(bytes, at);
      at += bytes.write(e.username, at, 'utf8');
      at += SEPARATOR.copy(bytes, at);
      at += bytes.write(e.address, at, 'utf8');
      at += SEPARATOR.copy(bytes, at);
      at = writeDecimal(bytes, at, e.udpPort);
      bytes[at++] = NEWLINE;
      this.written.push(e);
    }
    this.writtenBytes = at;
    return this.buffer.subarray(0, at);
  }

  /** Gives the buffer back (no rewrite is coming: an idle server keeps no copy of the file). */
  release(): void {
    this.buffer = Buffer.alloc(0);
    this.written = [];
    this.writtenBytes = 0;
  }

  private startsWithWritten(entries: readonly UserlogEntry[]): boolean {
    const { written } = this;
    if (written.length > entries.length) return false;
    for (let i = 0; i < written.length; i++) if (!sameEntry(written[i]!, entries[i]!)) return false;
    return true;
  }

  private reserve(used: number, more: number): void {
    if (used + more <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, used + more, 4096));
    this.buffer.copy(bigger, 0, 0, used);
    this.buffer = bigger;
  }
}

/**
 * Keeps `userlog.txt` equal to the list of active users. Each rewrite goes to a temp file that is
 * renamed over the old one, so a reader never sees half a file (with `--sync always` the file
 * and the directory are fsynced around the rename). Changes that arrive during a
 * rewrite are coalesced into one more rewrite: a login storm costs a few rewrites, not one each.
 */
export class UserlogWriter {
  private inFlight: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private readonly bytes = new UserlogBytes();

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
    try {
      await replaceFileAtomically(this.file, this.bytes.format(listed.value), this.storage);
    } finally {
      if (!this.next) this.bytes.release();
    }
  }
}
