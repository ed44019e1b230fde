import type { Reader } from './intake.js';

/**
 * Most time per event-loop turn spent reading the requests of connections that are not logged
 * in yet. A storm of logins (clients reconnecting after a restart) arrives as hundreds of reads
 * in one turn, each starting a login; read all at once they hold the event loop for 100 ms and
 * more, and every logged-in user's messages wait behind them. Past this budget such a connection
 * stops reading until a later turn.
 */
export const LOGIN_READ_BUDGET_MS = 4;

/**
 * Paces the reading of connections that are still logging in: at most LOGIN_READ_BUDGET_MS of
 * it per turn, the rest deferred, in arrival order, to the following turns (each its own
 * budget). Logged-in connections are never held back by it.
 */
export class LoginPacing {
  /** When this turn's reading of logins began; undefined until the turn's first such read. */
  private turnStartedAt: number | undefined;
  /** In arrival order (a Set keeps insertion order). */
  private readonly deferred = new Set<Reader>();
  /** The deferred reader being read again now: it reads all it has, budget or not. */
  private resuming: Reader | undefined;
  private turnEndScheduled = false;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly budgetMs: number = LOGIN_READ_BUDGET_MS,
  ) {}

  /**
   * Whether `reader`, a connection not logged in yet, must stop reading for now; if so it is
   * deferred and read again (`readMore`) in a later turn, after those deferred before it.
   */
  holdsBack(reader: Reader): boolean {
    if (reader === this.resuming) return false; // its turn has come: it reads what it has
    if (this.deferred.has(reader)) return true;
    if (this.deferred.size > 0 || this.spent()) {
      this.deferred.add(reader);
      this.scheduleTurnEnd();
      return true;
    }
    return false;
  }

  /** Whether this turn's budget is used up; the first call of a turn starts it. */
  private spent(): boolean {
    const now = this.now();
    if (this.turnStartedAt === undefined) {
      this.turnStartedAt = now;
      this.scheduleTurnEnd();
      return false; // every turn reads at least one login
    }
    return now - this.turnStartedAt >= this.budgetMs;
  }

  forget(reader: Reader): void {
    this.deferred.delete(reader);
  }

  private scheduleTurnEnd(): void {
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    // After this turn's I/O callbacks: the next turn's budget starts with the deferred readers.
    setImmediate(this.endTurn);
  }

  private readonly endTurn = (): void => {
    this.turnEndScheduled = false;
    this.turnStartedAt = undefined;
    this.resumeNext();
  };

  /**
   * Reads the first deferred reader again, then the next one after the promises its requests
   * settled have run (a microtask queued behind them): the budget then counts the logins' own
   * continuations too, not only the reading that starts them.
   */
  private readonly resumeNext = (): void => {
    const [reader] = this.deferred;
    // When spent, the turn's end is already scheduled (its first spent() did it): it resumes then.
    if (reader === undefined || this.spent()) return;
    this.deferred.delete(reader);
    this.resuming = reader;
    try {
      reader.readMore();
    } finally {
      this.resuming = undefined;
    }
    queueMicrotask(this.resumeNext);
  };
}
