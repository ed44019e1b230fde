import type { AnyStateMachine } from 'xstate';

interface NodeLike {
  id: string;
  states: Record<string, NodeLike>;
}

/** The ids of the states a snapshot value stands for, without the root:
 *  `{ authenticating: 'awaitingPassword' }` → [session.authenticating, session.authenticating.awaitingPassword]. */
export function stateIdsOf(machine: AnyStateMachine, value: unknown): string[] {
  const out: string[] = [];
  const visit = (node: NodeLike, v: unknown): void => {
    const entries: [string, unknown][] =
      typeof v === 'string'
        ? [[v, undefined]]
        : typeof v === 'object' && v !== null
          ? Object.entries(v)
          : [];
    for (const [key, inner] of entries) {
      const child = node.states[key];
      if (child === undefined) continue;
      out.push(child.id);
      if (inner !== undefined) visit(child, inner);
    }
  };
  visit(machine.root as unknown as NodeLike, value);
  return out;
}

/**
 * XState's internal event names as a reader should see them: the event's type, plus a request's
 * step (`REQUEST username`), never its data.
 */
export function readableEventType(type: string, event?: { step?: unknown }): string {
  if (type === 'REQUEST' && typeof event?.step === 'string') return `REQUEST ${event.step}`;
  if (type === 'xstate.init') return 'start';
  const after = /^xstate\.after\.([^.]+)/.exec(type);
  if (after) return `after ${after[1]}`;
  if (type.startsWith('xstate.done.actor.')) return 'done';
  if (type.startsWith('xstate.error.actor.')) return 'error';
  if (type === 'xstate.stop') return 'stop';
  return type;
}
