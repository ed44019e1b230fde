// Transition coverage for model-based tests. Every transition a machine declares (event
// transitions, delayed `after` transitions, invoke onDone/onError, eventless `always`) is
// enumerated from the machine's state nodes and keyed as `source --EVENT[guard]--> target`; a
// test records the transitions its executed path steps took, and the report lists what no step
// exercised. A transition counts only once the real system carried the step out and the
// assertions after it held.
import {
  getMicrosteps,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type EventObject,
} from 'xstate';

type AnyTransition = ReturnType<AnyStateMachine['getTransitionData']>[number];

/** `xstate.after.loginTimeout.session.authenticating` → `after(loginTimeout)`, and so on. */
export function describeEventType(eventType: string, sourceId: string): string {
  if (eventType === '') return 'always';
  const after = /^xstate\.after\.(.+)$/.exec(eventType);
  if (after) {
    const rest = after[1] ?? '';
    const delay = rest.endsWith(`.${sourceId}`) ? rest.slice(0, -sourceId.length - 1) : rest;
    return `after(${delay})`;
  }
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done) return `done(${done[1] ?? ''})`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (error) return `error(${error[1] ?? ''})`;
  return eventType;
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (
    typeof guard === 'object' &&
    'type' in guard &&
    typeof (guard as { type: unknown }).type === 'string'
  ) {
    return (guard as { type: string }).type;
  }
  if (typeof guard === 'function') return guard.name === '' ? 'inline' : guard.name;
  return 'inline';
}

/** The stable name of one declared transition. */
export function transitionKey(t: AnyTransition): string {
  const source = t.source.id;
  const guard = guardName(t.guard);
  const target =
    t.target && t.target.length > 0
      ? t.target.map((n: AnyStateNode) => n.id).join(',')
      : `${source} (no target)`;
  return `${source} --${describeEventType(String(t.eventType), source)}${guard ? `[${guard}]` : ''}--> ${target}`;
}

function allStateNodes(node: AnyStateNode): AnyStateNode[] {
  return [
    node,
    ...Object.values(node.states as Record<string, AnyStateNode>).flatMap(allStateNodes),
  ];
}

/** Every transition declared anywhere in the machine, in declaration order. */
export function declaredTransitions(machine: AnyStateMachine): string[] {
  const keys: string[] = [];
  for (const node of allStateNodes(machine.root)) {
    for (const list of (node.transitions as Map<string, AnyTransition[]>).values())
      for (const t of list) keys.push(transitionKey(t));
    for (const t of (node.always ?? []) as AnyTransition[]) keys.push(transitionKey(t));
  }
  return [...new Set(keys)];
}

/**
 * The transitions `event` takes from `snapshot` (guards evaluated), as keys, followed by the
 * eventless (`always`) transitions and compound-state `onDone` transitions the same macrostep
 * takes after it: the machine's queue of pending requests is worked off through those.
 */
export function takenTransitions(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: EventObject,
): string[] {
  const keys = machine.getTransitionData(snapshot, event).map(transitionKey);
  if (keys.length === 0) return keys;
  const steps = getMicrosteps(machine, snapshot, event as never);
  for (let i = 1; i < steps.length; i++) {
    const previous = steps[i - 1]![0] as AnyMachineSnapshot;
    const followUp = eventlessTaken(machine, previous, event) ?? doneStateTaken(machine, previous);
    if (followUp) keys.push(transitionKey(followUp));
  }
  return keys;
}

/** The first `always` transition enabled in `snapshot`, selected the way XState selects it. */
function eventlessTaken(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: EventObject,
): AnyTransition | undefined {
  const guards = (
    machine.implementations as {
      guards: Record<string, (args: unknown, params: unknown) => boolean>;
    }
  ).guards;
  for (const node of atomicNodes(snapshot)) {
    for (let n: AnyStateNode | undefined = node; n; n = n.parent) {
      for (const t of (n.always ?? []) as AnyTransition[]) {
        const name = guardName(t.guard);
        if (name === null) return t;
        const guard = guards[name];
        if (!guard)
          throw new Error(`coverage: cannot evaluate the guard ${name} of an always transition`);
        if (guard({ context: snapshot.context, event }, undefined)) return t;
      }
    }
  }
  return undefined;
}

/** The `onDone` transition of a compound state whose final child `snapshot` has reached. */
function doneStateTaken(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
): AnyTransition | undefined {
  for (const node of atomicNodes(snapshot)) {
    if (node.type !== 'final' || !node.parent) continue;
    const [t] = machine.getTransitionData(snapshot, {
      type: `xstate.done.state.${node.parent.id}`,
    });
    if (t) return t;
  }
  return undefined;
}

const atomicNodes = (snapshot: AnyMachineSnapshot): AnyStateNode[] =>
  (snapshot as unknown as { _nodes: AnyStateNode[] })._nodes.filter(
    (n) => n.type === 'atomic' || n.type === 'final',
  );

export interface CoverageReport {
  readonly name: string;
  readonly total: number;
  readonly covered: string[];
  readonly uncovered: string[];
}

export class TransitionCoverage {
  private readonly declared: string[];
  private readonly hits = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly machine: AnyStateMachine,
  ) {
    this.declared = declaredTransitions(machine);
  }

  get transitions(): readonly string[] {
    return this.declared;
  }

  /** Records the transitions taken by `event` from `before` (call once the real step passed). */
  record(before: AnyMachineSnapshot, event: EventObject): string[] {
    const taken = takenTransitions(this.machine, before, event);
    for (const key of taken) this.hits.set(key, (this.hits.get(key) ?? 0) + 1);
    return taken;
  }

  /** Transitions a set of model paths would take, before anything runs (to check the generator). */
  plannedBy(steps: ReadonlyArray<{ before: AnyMachineSnapshot; event: EventObject }>): Set<string> {
    const planned = new Set<string>();
    for (const { before, event } of steps)
      for (const key of takenTransitions(this.machine, before, event)) planned.add(key);
    return planned;
  }

  report(): CoverageReport {
    const covered = this.declared.filter((k) => this.hits.has(k));
    const uncovered = this.declared.filter((k) => !this.hits.has(k));
    return { name: this.name, total: this.declared.length, covered, uncovered };
  }

  /** `session: 14/14 transitions`, plus one line per uncovered transition. */
  format(): string {
    const r = this.report();
    const lines = [`${r.name}: ${r.covered.length}/${r.total} transitions`];
    for (const k of r.uncovered) lines.push(`  NOT COVERED  ${k}`);
    return lines.join('\n');
  }

  print(): void {
    console.log(this.format());
  }

  get complete(): boolean {
    return this.report().uncovered.length === 0;
  }
}
