// A machine made safe to run without its server or transport around it, for the explorer's
// simulator (in the page) and for the test paths listed there (in the generator). Every named
// guard answers from the event (the simulator says which branch it wants), every named action does
// nothing (no I/O, no context updates the simulator would have to fake payloads for), every named
// actor waits forever (its `done`/`error` is sent by the person clicking). Only names the machine
// declares in setup() are replaced, so this works for any machine without knowing its states.
import { fromPromise, type AnyStateMachine, type EventObject } from 'xstate';
import { delayValue } from './walk.js';

/** The event field that lists the guards the simulator wants to hold for this event. */
export const CHOSEN_GUARDS = 'explorerGuards';

/** The guard names that must hold for a transition labelled with `guard` to be taken:
 *  `accepted` → [accepted]; `a and not b` → [a]; `(a and b) or c` → [a, b]; negated and
 *  `in(…)` guards hold by default once every named guard is false. */
export function guardAtoms(guard: string | undefined): string[] {
  if (guard === undefined) return [];
  const firstAlternative = guard.split(' or ')[0] ?? '';
  return firstAlternative
    .replace(/[()]/g, '')
    .split(' and ')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !part.startsWith('not ') && !part.startsWith('in') && part !== 'guarded');
}

/**
 * An event no machine handles: sent with chosen guards, it makes XState evaluate the current
 * state's eventless (`always`) transitions again, so a guarded one can be picked like any other.
 */
export const ALWAYS_EVENT = 'explorer.always';

/** The event that takes one transition in the simulation machine. */
export function simulationEvent(eventType: string, guard: string | undefined): EventObject {
  return { type: eventType, [CHOSEN_GUARDS]: guardAtoms(guard) } as EventObject;
}

const namesOf = (record: unknown): string[] => (typeof record === 'object' && record !== null ? Object.keys(record).sort() : []);

export function simulationMachine(machine: AnyStateMachine): AnyStateMachine {
  const impl = machine.implementations as { guards?: unknown; actions?: unknown; actors?: unknown; delays?: unknown };
  const chosen = ({ event }: { event: EventObject }): string[] => {
    const list = (event as unknown as Record<string, unknown>)[CHOSEN_GUARDS];
    return Array.isArray(list) ? (list as string[]) : [];
  };
  const guards = Object.fromEntries(namesOf(impl.guards).map((name) => [name, (args: { event: EventObject }) => chosen(args).includes(name)]));
  const actions = Object.fromEntries(namesOf(impl.actions).map((name) => [name, () => {}]));
  const never = fromPromise<unknown>(() => new Promise<never>(() => {}));
  const actors = Object.fromEntries(namesOf(impl.actors).map((name) => [name, never]));
  // Delays computed from a real context may fail on the simulation's: use the default the diagram
  // shows, or a second when there is none (the simulated clock makes any length instant anyway).
  const delays = Object.fromEntries(namesOf(impl.delays).map((name) => [name, delayValue(machine, name) ?? 1000]));
  return machine.provide({ guards, actions, actors, delays } as never) as AnyStateMachine;
}
