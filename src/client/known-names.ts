// The names Tab completion offers: users the server listed as active (replaced by every fresh
// list, so users who left drop out), users seen in messages and transfers, and group chats this
// client created, joined, was invited to or got messages from. A name holding control or bidi
// characters (only a hostile server could send one) is never offered: completion would type it.
import { isSafeText } from '../terminal/safe-text.js';
import type { NameSource } from './completion.js';

/** A fresh list of active users is fetched when the last one is older than this. */
const ACTIVE_LIST_MAX_AGE_MS = 2000;

export class KnownNames implements NameSource {
  private active: string[] = [];
  private activeFetchedAt: number | undefined;
  private readonly seen = new Set<string>();
  private readonly groupNames = new Set<string>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  users(): readonly string[] {
    return [...new Set([...this.active, ...this.seen])];
  }

  groups(): readonly string[] {
    return [...this.groupNames];
  }

  sawUser(name: string): void {
    if (isOfferable(name)) this.seen.add(name);
  }

  sawGroup(name: string): void {
    if (isOfferable(name)) this.groupNames.add(name);
  }

  /** The server's current list of other active users. */
  setActive(names: readonly string[]): void {
    this.active = names.filter(isOfferable);
    this.activeFetchedAt = this.now();
  }

  /** True when the list of active users should be fetched before completing `word`. */
  needsActiveList(word: string): boolean {
    const fresh =
      this.activeFetchedAt !== undefined &&
      this.now() - this.activeFetchedAt < ACTIVE_LIST_MAX_AGE_MS;
    return !fresh || !this.users().some((u) => u.startsWith(word));
  }
}

const isOfferable = (name: string): boolean => name !== '' && !/\s/.test(name) && isSafeText(name);
