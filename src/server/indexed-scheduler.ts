import type { ActorSystem, AnyActorRef, EventObject } from 'xstate';

/** An actor that keeps scheduling has the ids of its events that fired dropped this often. */
const FORGET_FIRED_EVERY = 16;

/**
 * Makes an actor system's `cancelAll` cost what the stopping actor has scheduled, not what the
 * whole system has.
 *
 * XState's scheduler cancels an actor's delayed events, whenever any actor of the system stops,
 * by walking every delayed event the system holds. All session actors share one system (and
 * every login invokes three short-lived check actors that stop when they answer), and every
 * session waiting to log in holds its login timeout there: each login walked every waiting
 * session's timeout three times (40 % of `bench/xstate-login-cost.ts`; a storm of 1,000 logins
 * beside 5,000 waiting connections took 3.1 s, 1.1 s with this — docs/BENCHMARKS.md). This keeps
 * the ids each actor scheduled, so `cancelAll` cancels exactly those; `schedule` and `cancel`
 * still do the work, through XState's own functions.
 */
export function indexScheduledEvents(system: ActorSystem<any>): { indexedEvents(): number } {
  const { scheduler } = system;
  const schedule = scheduler.schedule.bind(scheduler);
  const cancel = scheduler.cancel.bind(scheduler);
  const idsBySource = new Map<AnyActorRef, Set<string>>();
  /** Drops the ids of events that fired (XState does not tell the scheduler when one fires). */
  const forgetFired = (source: AnyActorRef, ids: Set<string>): void => {
    const pending = system.getSnapshot()._scheduledEvents; // a copy of all: done rarely
    for (const id of ids) if (!(`${source.sessionId}.${id}` in pending)) ids.delete(id);
  };

  scheduler.schedule = (
    source: AnyActorRef,
    target: AnyActorRef,
    event: EventObject,
    delay: number,
    // XState's own default when a delayed event has no id
    id: string = Math.random().toString(36).slice(2),
  ): void => {
    schedule(source, target, event, delay, id);
    let ids = idsBySource.get(source);
    if (ids === undefined) idsBySource.set(source, (ids = new Set()));
    // A session schedules one event in its life; only an actor that keeps scheduling gets here.
    if (ids.size > 0 && ids.size % FORGET_FIRED_EVERY === 0) forgetFired(source, ids);
    ids.add(id);
  };
  scheduler.cancel = (source: AnyActorRef, id: string): void => {
    cancel(source, id);
    const ids = idsBySource.get(source);
    if (ids?.delete(id) && ids.size === 0) idsBySource.delete(source);
  };
  scheduler.cancelAll = (source: AnyActorRef): void => {
    const ids = idsBySource.get(source);
    if (ids === undefined) return;
    idsBySource.delete(source);
    for (const id of ids) cancel(source, id);
  };
  return {
    /** How many event ids the index holds (for tests). */
    indexedEvents: () => [...idsBySource.values()].reduce((sum, ids) => sum + ids.size, 0),
  };
}
