import { okAsync, type ResultAsync } from 'neverthrow';
import type { BackendError } from './backend-error.js';

/** A transfer the server introduced: who sends (presenter) and who receives (audience). */
export interface IntroducedTransfer {
  transferId: string;
  presenter: string;
  audience: string;
}

/**
 * The transfers the server introduced, remembered so that when one side goes offline the other
 * can be told at once instead of waiting out its stall timeout. The file bytes never pass the
 * server, so it cannot know when a transfer ends: a user's oldest transfers are forgotten
 * beyond a fixed number, which bounds memory (a client runs at most 8 downloads at once).
 * ResultAsync like the rest of the shared state (backend-error.ts).
 */
export interface Transfers {
  introduce(transfer: IntroducedTransfer): ResultAsync<void, BackendError>;
  /** Forgets, and returns, every remembered transfer `username` takes part in. */
  takeAllOf(username: string): ResultAsync<IntroducedTransfer[], BackendError>;
}

/** Transfers remembered per user; beyond this the oldest are forgotten. */
export const MAX_TRANSFERS_PER_USER = 64;

export class InMemoryTransfers implements Transfers {
  /** username → transferId → transfer, oldest first; each transfer is filed under both sides. */
  private readonly byUser = new Map<string, Map<string, IntroducedTransfer>>();

  introduce(transfer: IntroducedTransfer): ResultAsync<void, BackendError> {
    this.file(transfer.presenter, transfer);
    this.file(transfer.audience, transfer);
    return okAsync(undefined);
  }

  takeAllOf(username: string): ResultAsync<IntroducedTransfer[], BackendError> {
    const mine = this.byUser.get(username);
    if (!mine) return okAsync([]);
    this.byUser.delete(username);
    const transfers = [...mine.values()];
    for (const t of transfers)
      this.unfile(t.presenter === username ? t.audience : t.presenter, t.transferId);
    return okAsync(transfers);
  }

  /** Users with remembered transfers (for tests of the bound). */
  get trackedUsers(): number {
    return this.byUser.size;
  }

  private file(username: string, transfer: IntroducedTransfer): void {
    let mine = this.byUser.get(username);
    if (!mine) this.byUser.set(username, (mine = new Map()));
    mine.set(transfer.transferId, transfer);
    if (mine.size > MAX_TRANSFERS_PER_USER) {
      const oldest = mine.values().next().value as IntroducedTransfer;
      mine.delete(oldest.transferId);
      this.unfile(
        oldest.presenter === username ? oldest.audience : oldest.presenter,
        oldest.transferId,
      );
    }
  }

  private unfile(username: string, transferId: string): void {
    const theirs = this.byUser.get(username);
    theirs?.delete(transferId);
    if (theirs?.size === 0) this.byUser.delete(username);
  }
}
