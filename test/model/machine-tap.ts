// Observes the transitions a real actor takes inside the system under test. src/p2p creates its
// actors from `machine.provide(...)`; in the test process that method is wrapped so the provided
// machine reports every (snapshot, event) it processes, with the declared transitions taken.
// Nothing about the behaviour changes: the wrapped `transition` returns what the original does.
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { takenTransitions } from './coverage.js';
import { ChangeSignal } from '../support/change-signal.js';

export interface TapEntry {
  readonly id: string;
  readonly event: EventObject;
  readonly from: unknown;
  readonly to: unknown;
  readonly keys: readonly string[];
}

export class MachineTap {
  readonly entries: TapEntry[] = [];
  private readonly changed = new ChangeSignal();

  /** Wraps `machine.provide`; `idOf` names the actor (e.g. its transferId) from its context. */
  constructor(machine: AnyStateMachine, idOf: (context: unknown) => string) {
    const target = machine as unknown as { provide: (impl: unknown) => AnyStateMachine };
    const provide = target.provide.bind(machine);
    target.provide = (impl: unknown) => {
      const provided = provide(impl);
      const transition = provided.transition.bind(provided);
      (provided as unknown as { transition: typeof transition }).transition = (
        snapshot: AnyMachineSnapshot,
        event: EventObject,
        scope: never,
      ) => {
        const keys =
          snapshot.status === 'active' ? takenTransitions(provided, snapshot, event) : [];
        const next = transition(snapshot, event, scope);
        this.entries.push({
          id: idOf(snapshot.context),
          event,
          from: snapshot.value,
          to: next.value,
          keys,
        });
        this.changed.notify();
        return next;
      };
      return provided;
    };
  }

  /** Entries of one actor. */
  of(id: string): TapEntry[] {
    return this.entries.filter((e) => e.id === id);
  }

  /**
   * Waits until the actor `id` took every transition in `keys` at once (one real event), at or
   * after entry number `from` of that actor; returns the index after the matching entry.
   */
  async waitFor(
    id: string,
    keys: readonly string[],
    from: number,
    timeoutMs = 10_000,
  ): Promise<number> {
    const mine = () => this.of(id);
    return this.changed.until(
      () => {
        const entries = mine();
        for (let i = from; i < entries.length; i++)
          if (keys.every((k) => entries[i]!.keys.includes(k))) return i + 1;
        return undefined;
      },
      timeoutMs,
      () => {
        const seen = mine()
          .map((e) => `${e.keys.join(' + ') || `(${e.event.type}: no transition)`}`)
          .join('\n    ');
        return new Error(`the real actor never took ${keys.join(' + ')}; it took:\n    ${seen}`);
      },
    );
  }
}
