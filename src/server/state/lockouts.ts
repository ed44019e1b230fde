import { okAsync, type ResultAsync } from 'neverthrow';
import { createActor, type Actor, type ActorOptions, type AnyActorLogic } from 'xstate';

export type Clock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;
import { lockoutMachine } from '../../../machines/lockout.machine.js';
import type { BackendError } from './backend-error.js';

export type FailureOutcome = 'stillOpen' | 'lockedNow';

/** Failed-login bookkeeping per username (SPEC §3). Async like the other shared state. */
export interface Lockouts {
  isLocked(username: string): ResultAsync<boolean, BackendError>;
  recordFailure(username: string): ResultAsync<FailureOutcome, BackendError>;
  recordSuccess(username: string): ResultAsync<void, BackendError>;
  /** Stops pending block timers (server shutdown). */
  stopAll(): void;
}

export interface LockoutOptions {
  maxFailures: number;
  blockMs: number;
  clock?: Clock;
  onUnlocked?: (username: string) => void;
  /** Usernames with failures remembered at most; beyond it the oldest unlocked one is forgotten. */
  maxTracked?: number;
  /** Lets the live view (--inspect-port) count the lockout actors. */
  watch?: (machine: typeof lockoutMachine) => typeof lockoutMachine;
}

/**
 * One lockout actor per username that has recent failures. An actor that is back to `clear` is
 * dropped, so guessing many usernames cannot grow this map without bound.
 */
export class ActorLockouts implements Lockouts {
  private readonly actors = new Map<string, Actor<typeof lockoutMachine>>();
  private readonly machine;

  constructor(private readonly options: LockoutOptions) {
    const machine = lockoutMachine.provide({ delays: { blockDuration: options.blockMs } });
    this.machine = options.watch?.(machine) ?? machine;
  }

  get tracked(): number {
    return this.actors.size;
  }

  /**
   * Guessing random usernames leaves each one `failing` forever; past the cap the oldest that is
   * not locked is forgotten (a lock is never dropped early), so memory stays bounded.
   */
  private forgetOldestIfFull(): void {
    if (this.actors.size < (this.options.maxTracked ?? 100_000)) return;
    for (const [username, actor] of this.actors) {
      if (!actor.getSnapshot().matches('locked')) {
        this.actors.delete(username);
        actor.stop();
        return;
      }
    }
  }

  /** Stops every lockout actor, so pending block timers do not keep a stopping server alive. */
  stopAll(): void {
    for (const actor of this.actors.values()) actor.stop();
    this.actors.clear();
  }

  isLocked(username: string): ResultAsync<boolean, BackendError> {
    return okAsync(this.actors.get(username)?.getSnapshot().matches('locked') ?? false);
  }

  recordFailure(username: string): ResultAsync<FailureOutcome, BackendError> {
    const actor = this.actors.get(username) ?? this.spawn(username);
    actor.send({ type: 'FAILED' });
    return okAsync(actor.getSnapshot().matches('locked') ? 'lockedNow' : 'stillOpen');
  }

  recordSuccess(username: string): ResultAsync<void, BackendError> {
    this.actors.get(username)?.send({ type: 'SUCCEEDED' });
    return okAsync(undefined);
  }

  private spawn(username: string): Actor<typeof lockoutMachine> {
    this.forgetOldestIfFull();
    const actor = createActor(this.machine, {
      input: { maxFailures: this.options.maxFailures },
      ...(this.options.clock ? { clock: this.options.clock } : {}),
    });
    let wasLocked = false;
    let leftClear = false;
    actor.subscribe({
      next: (snapshot) => {
        if (snapshot.matches('locked')) wasLocked = true;
        if (!snapshot.matches('clear')) leftClear = true;
        else if (leftClear) {
          this.actors.delete(username);
          actor.stop();
          if (wasLocked) this.options.onUnlocked?.(username);
        }
      },
      // An unobserved actor error would be re-thrown and take the server down.
      error: () => this.actors.delete(username),
    });
    actor.start();
    this.actors.set(username, actor);
    return actor;
  }
}
