// Path generation for model-based tests, and a small runner that walks a path against a driver.
//
// `createTestModel` refuses machines with `after`/`invoke`, so the TestModel is built directly.
// Its events are the ones the test lists (including `xstate.after.<delay>.<stateId>` and
// `xstate.done.actor.<id>` / `xstate.error.actor.<id>` carrying outcomes), kept only where they take
// a transition. The state key carries the incoming edge (previous state value + the transition
// taken), so the shortest paths reach every (state, incoming transition) pair: every transition,
// not just every state. A traversal `limit` bounds the exploration.
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { TestModel, type TestPath } from 'xstate/graph';
import { describeEventType, takenTransitions } from './coverage.js';

export interface ModelOptions {
  /** Concrete events to try in every state (only those that take a transition are kept). */
  readonly events: readonly EventObject[];
  readonly input?: unknown;
  /** Maximum traversal iterations (the xstate default is unbounded). */
  readonly limit?: number;
  /** Whether `event` takes a transition in `snapshot` (default: XState's getTransitionData, which knows only evented transitions). */
  readonly takes?: (snapshot: AnyMachineSnapshot, event: EventObject) => boolean;
  /** Extra restriction: events the real system cannot be made to deliver in a state. */
  readonly allow?: (snapshot: AnyMachineSnapshot, event: EventObject) => boolean;
  /** The part of the context that distinguishes states (default: the whole context). */
  readonly contextKey?: (context: unknown) => unknown;
}

export type ModelPath = TestPath<AnyMachineSnapshot, EventObject>;

export function buildTestModel(
  machine: AnyStateMachine,
  options: ModelOptions,
): TestModel<AnyMachineSnapshot, EventObject, unknown> {
  const contextKey = options.contextKey ?? ((c: unknown) => c);
  const stateKey = (s: AnyMachineSnapshot): string =>
    `${JSON.stringify(s.value)}${JSON.stringify(contextKey(s.context)) ?? ''}`;
  const takes =
    options.takes ??
    ((snapshot: AnyMachineSnapshot, e: EventObject) =>
      machine.getTransitionData(snapshot, e).length > 0);
  return new TestModel<AnyMachineSnapshot, EventObject, unknown>(machine as never, {
    events: (snapshot: AnyMachineSnapshot) =>
      options.events.filter(
        (e) =>
          snapshot.status === 'active' &&
          takes(snapshot, e) &&
          (options.allow?.(snapshot, e) ?? true),
      ),
    serializeState: (
      snapshot: AnyMachineSnapshot,
      event: EventObject | undefined,
      prev?: AnyMachineSnapshot,
    ) => {
      if (event === undefined || prev === undefined) return `${stateKey(snapshot)} <= init`;
      return `${stateKey(snapshot)} <= ${JSON.stringify(prev.value)} ${takenTransitions(machine, prev, event).join(' + ') || JSON.stringify(event)}`;
    },
    limit: options.limit ?? 1000,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

/** One `{ type: 'xstate.after.<delay>.<stateId>' }` per delayed transition of the machine. */
export function delayedEvents(machine: AnyStateMachine): EventObject[] {
  const types = new Set<string>();
  const visit = (node: AnyStateMachine['root']): void => {
    for (const key of (node.transitions as Map<string, unknown>).keys())
      if (key.startsWith('xstate.after.')) types.add(key);
    for (const child of Object.values(node.states as Record<string, AnyStateMachine['root']>))
      visit(child);
  };
  visit(machine.root);
  return [...types].map((type) => ({ type }));
}

const eventsOf = (p: ModelPath): string => JSON.stringify(p.steps.map((s) => s.event));

/**
 * Shortest paths to every (state, incoming edge) vertex, optionally plus simple paths, with
 * paths that are prefixes of longer ones (and exact repeats) dropped.
 */
export function generatePaths(
  model: TestModel<AnyMachineSnapshot, EventObject, unknown>,
  options: { simple?: boolean; rounds?: number } = {},
): ModelPath[] {
  let round: ModelPath[] = model.getShortestPaths();
  const start = round[0]?.steps[0]?.state;
  if (start === undefined || start.status !== 'active') {
    // e.g. the machine now needs an input the model does not give: fail loudly, not with 0 paths
    const error =
      start && 'error' in start ? String((start as { error: unknown }).error) : 'no initial state';
    throw new Error(
      `the model's initial snapshot is not active (${start?.status ?? 'none'}): ${error}`,
    );
  }
  const all = [...round, ...(options.simple ? model.getSimplePaths() : [])];
  // Further rounds continue every path with the shortest paths from where it ended (e.g. a
  // second lockout after the first one expired), so the states are also checked once revisited.
  for (let r = 1; r < (options.rounds ?? 1); r++) {
    round = model.getShortestPathsFrom(round.filter((p) => p.state.status === 'active'));
    all.push(...round);
  }
  const unique = new Map<string, ModelPath>();
  for (const p of all) unique.set(eventsOf(p), p);
  const list = [...unique.values()].sort((a, b) => b.steps.length - a.steps.length);
  const kept: ModelPath[] = [];
  for (const p of list) {
    const seq = p.steps.map((s) => JSON.stringify(s.event));
    const isPrefix = kept.some(
      (k) =>
        seq.length <= k.steps.length &&
        seq.every((e, i) => e === JSON.stringify(k.steps[i]?.event)),
    );
    if (!isPrefix) kept.push(p);
  }
  return kept.reverse();
}

/** A readable one-liner: `init → USERNAME{accountLocked:false} → PASSWORD → done(...){verdict:accepted}`. */
export function describePath(machine: AnyStateMachine, path: ModelPath): string {
  return path.steps
    .map((s, i) => {
      if (i === 0) return 'init';
      const { type, ...rest } = s.event;
      const source = path.steps[i - 1]?.state;
      const sourceId = source
        ? (takenTransitions(machine, source, s.event)[0]?.split(' ')[0] ?? '')
        : '';
      const keys = Object.keys(rest).filter((k) => k !== 'requestId');
      const detail = keys.length
        ? JSON.stringify(
            Object.fromEntries(keys.map((k) => [k, (rest as Record<string, unknown>)[k]])),
          )
        : '';
      return `${describeEventType(type, sourceId)}${detail}`;
    })
    .join(' → ');
}

export interface StepContext {
  /** index of the step in the path (0 = init) */
  readonly index: number;
  readonly event: EventObject;
  /** model state after the step */
  readonly state: AnyMachineSnapshot;
  /** model state before the step (undefined for init) */
  readonly before: AnyMachineSnapshot | undefined;
  /** the transitions (keys) this step takes in the model */
  readonly transitions: readonly string[];
  /** the following step, for drivers that must prepare an outcome (e.g. which password to send) */
  readonly next: { readonly event: EventObject; readonly state: AnyMachineSnapshot } | undefined;
}

export interface PathDriver {
  /** Makes the real system do what `ctx.event` stands for (and asserts the immediate reaction). */
  exec(ctx: StepContext): Promise<void>;
  /** Asserts what is observable in `ctx.state`. */
  check(ctx: StepContext): Promise<void>;
  /** Releases whatever the path used (always called). */
  dispose?(): Promise<void>;
}

export interface Recorder {
  record(before: AnyMachineSnapshot, event: EventObject): unknown;
}

/** Walks one path; each step's transitions are recorded once the real step and its checks passed. */
export async function runPath(
  machine: AnyStateMachine,
  path: ModelPath,
  driver: PathDriver,
  recorders: readonly Recorder[],
): Promise<void> {
  try {
    for (let index = 0; index < path.steps.length; index++) {
      const step = path.steps[index]!;
      const before = index === 0 ? undefined : path.steps[index - 1]!.state;
      const following = path.steps[index + 1];
      const ctx: StepContext = {
        index,
        event: step.event,
        state: step.state,
        before,
        transitions: before ? takenTransitions(machine, before, step.event) : [],
        next: following ? { event: following.event, state: following.state } : undefined,
      };
      try {
        await driver.exec(ctx);
        await driver.check(ctx);
      } catch (e) {
        const where = `step ${index} (${ctx.transitions.join(' + ') || 'init'})`;
        throw new Error(`${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      if (before) for (const r of recorders) r.record(before, step.event);
    }
  } finally {
    await driver.dispose?.();
  }
}

/** Runs `tasks` with at most `concurrency` at a time; returns the failures (never throws). */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<Array<{ item: T; error: unknown }>> {
  const failures: Array<{ item: T; error: unknown }> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        const item = items[i]!;
        try {
          await task(item, i);
        } catch (error) {
          failures.push({ item, error });
        }
      }
    }),
  );
  return failures;
}
