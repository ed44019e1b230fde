// Knows every live actor of the machines it watches, so a viewer who connects at any time sees how
// many are in each state. Watching costs nothing per event while nobody looks: the census only
// keeps the actors' references (added when an actor starts, dropped when it ends) and reads their
// current snapshots when asked. Transitions are reported through XState's own inspection API
// (`system.inspect`), attached to the watched actors only while someone listens.
import type {
  AnyActorRef,
  AnyMachineSnapshot,
  AnyStateMachine,
  InspectionEvent,
  Subscription,
} from 'xstate';
import { readableEventType, stateIdsOf } from './state-ids.js';

export interface ObservedTransition {
  /** ISO time. */
  at: string;
  /** Machine id (e.g. `session`). */
  machine: string;
  /** `session 12`: the machine id and the actor's number in this census. */
  actor: string;
  from: string[];
  to: string[];
  /** The event's type only: payloads (passwords, message texts) are never looked at. */
  event: string;
  /** The `username` in the actor's context, when it has one. */
  user?: string;
}

interface Watched {
  machine: AnyStateMachine;
  label: string;
  ended: boolean;
  lastIds: string[];
  inspection: Subscription | undefined;
}

const MIN_SWEEP = 64;

export class ActorCensus {
  private readonly actors = new Map<AnyActorRef, Watched>();
  private readonly machines = new Map<string, AnyStateMachine>();
  private readonly numbers = new Map<string, number>();
  private listener: ((t: ObservedTransition) => void) | undefined;
  private sizeAfterSweep = 0;

  /** A machine that behaves exactly like `machine` but tells this census about each actor made from it. */
  watch<T extends AnyStateMachine>(machine: T): T {
    this.machines.set(machine.id, machine);
    const census = this;
    const watched = Object.create(machine) as T;
    Object.assign(watched, {
      getInitialSnapshot(this: T, actorScope: { self: AnyActorRef }, input: unknown) {
        census.add(actorScope.self, machine);
        return machine.getInitialSnapshot.call(this, actorScope as never, input);
      },
      transition(
        this: T,
        snapshot: AnyMachineSnapshot,
        event: never,
        actorScope: { self: AnyActorRef },
      ) {
        const next = machine.transition.call(
          this,
          snapshot as never,
          event,
          actorScope as never,
        ) as AnyMachineSnapshot;
        if (next.status !== 'active') census.ended(actorScope.self);
        return next;
      },
    });
    return watched;
  }

  /** Machine id → state id → number of live actors in that state (compound states included). */
  counts(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const id of this.machines.keys()) out[id] = {};
    this.sweep();
    for (const [actor, w] of this.actors) {
      const byState = (out[w.machine.id] ??= {});
      const snapshot = actor.getSnapshot() as AnyMachineSnapshot | undefined;
      for (const id of stateIdsOf(w.machine, snapshot?.value)) byState[id] = (byState[id] ?? 0) + 1;
    }
    return out;
  }

  get size(): number {
    return this.actors.size;
  }

  /** Whether transitions are being reported (only while the live view has viewers). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** Reports every state change of a watched actor until the returned function is called (one listener at a time). */
  onTransition(listener: (t: ObservedTransition) => void): () => void {
    this.listener = listener;
    for (const [actor, w] of this.actors) this.inspect(actor, w);
    return () => {
      this.listener = undefined;
      for (const w of this.actors.values()) {
        w.inspection?.unsubscribe();
        w.inspection = undefined;
      }
    };
  }

  private add(actor: AnyActorRef, machine: AnyStateMachine): void {
    if (this.actors.has(actor)) return;
    // Actors stopped from outside never pass through transition(): drop them now and then, at a
    // cost that stays proportional to the actors added. (Before adding this one: it has no
    // snapshot until its constructor returns.)
    if (this.actors.size >= Math.max(MIN_SWEEP, 2 * this.sizeAfterSweep)) this.sweep();
    const n = (this.numbers.get(machine.id) ?? 0) + 1;
    this.numbers.set(machine.id, n);
    const w: Watched = {
      machine,
      label: `${machine.id} ${n}`,
      ended: false,
      lastIds: [],
      inspection: undefined,
    };
    this.actors.set(actor, w);
    if (this.listener !== undefined) this.inspect(actor, w, true);
  }

  private ended(actor: AnyActorRef): void {
    const w = this.actors.get(actor);
    if (w === undefined) return;
    w.ended = true;
    // While inspected, the observer removes it once its last snapshot has been reported.
    if (w.inspection === undefined) this.actors.delete(actor);
  }

  private sweep(): void {
    for (const [actor, w] of this.actors) {
      const snapshot = actor.getSnapshot() as AnyMachineSnapshot | undefined;
      if (w.ended || (snapshot !== undefined && snapshot.status !== 'active'))
        this.remove(actor, w);
    }
    this.sizeAfterSweep = this.actors.size;
  }

  private remove(actor: AnyActorRef, w: Watched): void {
    w.inspection?.unsubscribe();
    this.actors.delete(actor);
  }

  /** `starting`: the actor is being made and has no snapshot yet (its first one will be reported). */
  private inspect(actor: AnyActorRef, w: Watched, starting = false): void {
    if (w.inspection !== undefined) return;
    w.lastIds = starting
      ? []
      : stateIdsOf(w.machine, (actor.getSnapshot() as AnyMachineSnapshot).value);
    w.inspection = actor.system.inspect((e: InspectionEvent) => {
      if (e.type !== '@xstate.snapshot' || e.actorRef !== actor) return;
      const snapshot = e.snapshot as AnyMachineSnapshot;
      const ids = stateIdsOf(w.machine, snapshot.value);
      const changed = ids.length !== w.lastIds.length || ids.some((id, i) => id !== w.lastIds[i]);
      if (changed || snapshot.status !== 'active') {
        const username = (snapshot.context as { username?: unknown } | undefined)?.username;
        this.listener?.({
          at: new Date().toISOString(),
          machine: w.machine.id,
          actor: w.label,
          from: w.lastIds,
          to: ids,
          event: readableEventType(e.event.type, e.event as { step?: unknown }),
          ...(typeof username === 'string' ? { user: username } : {}),
        });
        w.lastIds = ids;
      }
      if (snapshot.status !== 'active') this.remove(actor, w);
    });
  }
}
