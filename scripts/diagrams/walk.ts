// Turns an XState v5 machine into a neutral graph model (a tree of states plus labelled edges)
// that the Mermaid and DOT renderers share. Everything a reader sees on an edge is decided here,
// so both diagrams say the same thing: raw internal event names (`xstate.after.…`,
// `xstate.done.actor.…`) are translated, delays get their default duration, guards and named
// actions are attached.

export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface DiagramState {
  /** XState's unique id (e.g. `session.blocked`). */
  id: string;
  /** The key in the parent's `states` (the root uses the machine id). */
  key: string;
  kind: StateKind;
  parentId: string | undefined;
  /** Id of the initial child (compound states only). */
  initialId: string | undefined;
  children: DiagramState[];
  description: string | undefined;
  history: 'shallow' | 'deep' | undefined;
  /** Display names of the actors invoked while in this state. */
  invokes: string[];
  entry: string[];
  exit: string[];
  tags: string[];
}

export type EdgeKind = 'event' | 'after' | 'always' | 'done' | 'error' | 'wildcard';

export interface DiagramEdge {
  source: string;
  /** Target state id, or undefined for a targetless (internal) transition. */
  target: string | undefined;
  kind: EdgeKind;
  /** The trigger as a reader should see it: `START`, `after blockDuration (10s)`, `done: verify`. */
  trigger: string;
  guard: string | undefined;
  actions: string[];
  /** Whether the transition re-enters its source (only meaningful for self-transitions). */
  reenter: boolean;
  /** trigger + ` [guard]` + ` / actions`. */
  label: string;
  /** XState's own event type (`xstate.after.…`, `xstate.done.actor.…`, `''` for always): the
   *  explorer's simulator sends or schedules exactly this. */
  eventType: string;
  /** Default duration of a delayed transition, in ms (undefined: not delayed or not evaluable). */
  delayMs: number | undefined;
}

export interface DiagramModel {
  id: string;
  description: string | undefined;
  root: DiagramState;
  /** Every state by id, in document order (root first). */
  states: Map<string, DiagramState>;
  edges: DiagramEdge[];
}

/** The parts of an XState machine this module reads; detected by shape, not by class. */
export interface MachineLike {
  id: string;
  root: unknown;
  config: { context?: unknown; description?: string };
  implementations?: { delays?: Record<string, unknown>; actors?: Record<string, unknown> };
}

/** True for anything that looks like an XState machine (`createMachine` / `setup().createMachine`). */
export function isMachine(value: unknown): value is MachineLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.root === 'object' &&
    v.root !== null &&
    typeof v.config === 'object' &&
    v.config !== null &&
    typeof v.transition === 'function'
  );
}

// Loose views of XState's runtime state node / transition objects. The public types are heavily
// generic; the diagram only needs these fields.
interface RawTransition {
  eventType: string;
  target?: readonly RawNode[] | undefined;
  guard?: unknown;
  actions?: readonly unknown[];
  reenter?: boolean;
  delay?: unknown;
}

interface RawInvoke {
  id: string;
  src: unknown;
}

interface RawNode {
  id: string;
  key: string;
  type: StateKind;
  description?: string;
  history?: false | 'shallow' | 'deep';
  states: Record<string, RawNode>;
  transitions: Map<string, RawTransition[]>;
  always?: RawTransition[];
  invoke: RawInvoke[];
  entry: unknown[];
  exit: unknown[];
  tags?: string[];
  initial?: { target?: readonly RawNode[] };
  config: { invoke?: unknown };
}

const MAX_ACTIONS = 3;

/** 10000 → `10s`, 500 → `500ms`, 90000 → `90s`, 300000 → `5min`, 7200000 → `2h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms >= 120_000) return `${ms / 60_000}min`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(3))}s`;
}

/** Best-effort context for evaluating delay functions: the machine's static context, or a
 *  context factory called with an empty input, or `{}`. */
function fakeContext(machine: MachineLike): unknown {
  const ctx = machine.config.context;
  if (typeof ctx === 'function') {
    try {
      return (ctx as (args: unknown) => unknown)({ input: {}, spawn: () => undefined, self: undefined });
    } catch {
      return {};
    }
  }
  return ctx ?? {};
}

/** The default duration (ms) of a named delay, or undefined if it cannot be evaluated. */
export function delayValue(machine: MachineLike, delay: string): number | undefined {
  const impl = machine.implementations?.delays?.[delay];
  if (typeof impl === 'number') return impl;
  if (typeof impl === 'function') {
    try {
      const v: unknown = (impl as (args: unknown, params: unknown) => unknown)(
        { context: fakeContext(machine), event: { type: 'xstate.init' } },
        undefined,
      );
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `after blockDuration (10s)`, `after 500ms`, or `after loginTimeout` if not evaluable. */
export function delayLabel(machine: MachineLike, delay: string): string {
  if (/^\d+(\.\d+)?$/.test(delay)) return `after ${formatDuration(Number(delay))}`;
  const ms = delayValue(machine, delay);
  return ms === undefined ? `after ${delay}` : `after ${delay} (${formatDuration(ms)})`;
}

/** Display name of a guard: `canStart`, `not isBlocked`, `a and b`, `in(#session.active)`. */
export function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const f = guard as { name?: string; guards?: unknown[]; stateValue?: unknown };
    if (f.stateValue !== undefined) {
      return `in(${typeof f.stateValue === 'string' ? f.stateValue : JSON.stringify(f.stateValue)})`;
    }
    if (Array.isArray(f.guards)) {
      const parts = f.guards.map((g) => {
        const inner = guardLabel(g) ?? 'guard';
        return /\s/.test(inner) ? `(${inner})` : inner;
      });
      if (f.name === 'not') return `not ${parts[0] ?? 'guard'}`;
      return parts.join(f.name === 'or' ? ' or ' : ' and ');
    }
    return f.name && f.name !== 'anonymous' && !f.name.startsWith('xstate.') ? f.name : 'guarded';
  }
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  return 'guarded';
}

/** Named actions only: strings and `{ type }` objects; inline functions and built-ins are skipped. */
export function actionNames(actions: readonly unknown[] | undefined): string[] {
  const names: string[] = [];
  for (const a of actions ?? []) {
    if (typeof a === 'string') names.push(a);
    else if (typeof a === 'object' && a !== null && typeof (a as { type?: unknown }).type === 'string') {
      const t = (a as { type: string }).type;
      if (!t.startsWith('xstate.')) names.push(t);
    }
  }
  return names;
}

function shortenActions(names: string[]): string[] {
  if (names.length <= MAX_ACTIONS) return names;
  return [...names.slice(0, MAX_ACTIONS), `+${names.length - MAX_ACTIONS} more`];
}

function invokeName(inv: RawInvoke): string {
  if (typeof inv.src === 'string' && !inv.src.startsWith('xstate.')) return inv.src;
  // Inline logic: XState names it `xstate.invoke.<n>.<state>`; the invoke id is better if the
  // author gave one (generated ids look like `<stateId>[<n>]`).
  if (!/\[\d+\]$/.test(inv.id)) return inv.id;
  return 'actor';
}

/** Translate an XState event type into what a reader should see. */
export function triggerLabel(
  machine: MachineLike,
  eventType: string,
  sourceId: string,
  actorNames: Map<string, string>,
  delay?: unknown,
): { kind: EdgeKind; trigger: string } {
  if (eventType === '') return { kind: 'always', trigger: 'always' };
  if (eventType === '*') return { kind: 'wildcard', trigger: '*' };
  const after = 'xstate.after.';
  if (eventType.startsWith(after)) {
    let name: string;
    if (typeof delay === 'string' || typeof delay === 'number') name = String(delay);
    else {
      name = eventType.slice(after.length);
      const suffix = `.${sourceId}`;
      if (name.endsWith(suffix)) name = name.slice(0, -suffix.length);
    }
    return { kind: 'after', trigger: delayLabel(machine, name) };
  }
  const actor = (prefix: string): string | undefined =>
    eventType.startsWith(prefix) ? eventType.slice(prefix.length) : undefined;
  const doneActor = actor('xstate.done.actor.');
  if (doneActor !== undefined) {
    return { kind: 'done', trigger: `done: ${actorNames.get(doneActor) ?? doneActor}` };
  }
  const errorActor = actor('xstate.error.actor.');
  if (errorActor !== undefined) {
    return { kind: 'error', trigger: `error: ${actorNames.get(errorActor) ?? errorActor}` };
  }
  if (eventType.startsWith('xstate.done.state.')) return { kind: 'done', trigger: 'done' };
  const snapshot = actor('xstate.snapshot.');
  if (snapshot !== undefined) {
    return { kind: 'event', trigger: `snapshot: ${actorNames.get(snapshot) ?? snapshot}` };
  }
  if (eventType.startsWith('xstate.')) return { kind: 'event', trigger: eventType.slice('xstate.'.length) };
  return { kind: 'event', trigger: eventType };
}

/** The duration of a delayed transition (a number of ms, or a named delay's default). */
function delayMsOf(machine: MachineLike, eventType: string, sourceId: string, delay: unknown): number | undefined {
  let name = typeof delay === 'string' || typeof delay === 'number' ? String(delay) : eventType.slice('xstate.after.'.length);
  if (name.endsWith(`.${sourceId}`)) name = name.slice(0, -sourceId.length - 1);
  return /^\d+(\.\d+)?$/.test(name) ? Number(name) : delayValue(machine, name);
}

export function composeLabel(trigger: string, guard: string | undefined, actions: string[]): string {
  let label = trigger;
  if (guard !== undefined) label += ` [${guard}]`;
  if (actions.length > 0) label += ` / ${actions.join(', ')}`;
  return label;
}

/** Build the neutral model of a machine. */
export function walkMachine(machine: MachineLike): DiagramModel {
  const rawRoot = machine.root as RawNode;
  const states = new Map<string, DiagramState>();
  const edges: DiagramEdge[] = [];
  const rawNodes: RawNode[] = [];

  const visit = (node: RawNode, parentId: string | undefined): DiagramState => {
    const isRoot = parentId === undefined;
    const initialTarget = node.type === 'compound' ? node.initial?.target?.[0] : undefined;
    const state: DiagramState = {
      id: node.id,
      key: isRoot ? machine.id : node.key,
      kind: node.type,
      parentId,
      initialId: initialTarget?.id,
      children: [],
      description: node.description,
      history: node.type === 'history' && node.history ? node.history : undefined,
      invokes: node.invoke.map(invokeName),
      entry: shortenActions(actionNames(node.entry)),
      exit: shortenActions(actionNames(node.exit)),
      tags: [...(node.tags ?? [])],
    };
    states.set(state.id, state);
    rawNodes.push(node);
    for (const child of Object.values(node.states ?? {})) state.children.push(visit(child, node.id));
    return state;
  };
  const root = visit(rawRoot, undefined);

  // Invoke ids → display names, so `xstate.done.actor.session.checking[0]` reads `done: verify`.
  const actorNames = new Map<string, string>();
  for (const node of rawNodes) for (const inv of node.invoke) actorNames.set(inv.id, invokeName(inv));

  const addEdges = (node: RawNode, t: RawTransition, eventType: string): void => {
    const { kind, trigger } = triggerLabel(machine, eventType, node.id, actorNames, t.delay);
    const delayMs = kind === 'after' ? delayMsOf(machine, eventType, node.id, t.delay) : undefined;
    const guard = guardLabel(t.guard);
    const actions = shortenActions(actionNames(t.actions));
    const label = composeLabel(trigger, guard, actions);
    const targets = t.target && t.target.length > 0 ? t.target.map((n) => n.id) : [undefined];
    for (const target of targets) {
      edges.push({ source: node.id, target, kind, trigger, guard, actions, reenter: t.reenter === true, label, eventType, delayMs });
    }
  };

  for (const node of rawNodes) {
    for (const [eventType, list] of node.transitions) for (const t of list) addEdges(node, t, eventType);
    for (const t of node.always ?? []) addEdges(node, t, '');
  }

  return { id: machine.id, description: machine.config.description ?? root.description, root, states, edges };
}

/** True if `ancestor` is a proper ancestor of `id`. */
export function isAncestor(model: DiagramModel, ancestor: string, id: string): boolean {
  let cur = model.states.get(id)?.parentId;
  while (cur !== undefined) {
    if (cur === ancestor) return true;
    cur = model.states.get(cur)?.parentId;
  }
  return false;
}

/** Whether the root needs drawing as a box of its own (it has transitions, actors or regions). */
export function rootIsDrawn(model: DiagramModel): boolean {
  const r = model.root;
  return (
    r.kind === 'parallel' ||
    r.invokes.length > 0 ||
    r.entry.length > 0 ||
    r.exit.length > 0 ||
    model.edges.some((e) => e.source === r.id || e.target === r.id)
  );
}

/** Lines drawn inside a state's box: `entry / a`, `invoke: verify`, internal `PING / log`, `exit / b`. */
export function stateDetails(model: DiagramModel, state: DiagramState): string[] {
  const lines: string[] = [];
  if (state.entry.length > 0) lines.push(`entry / ${state.entry.join(', ')}`);
  for (const name of state.invokes) lines.push(`invoke: ${name}`);
  for (const e of model.edges) if (e.source === state.id && e.target === undefined) lines.push(e.label);
  if (state.exit.length > 0) lines.push(`exit / ${state.exit.join(', ')}`);
  return lines;
}

/** The closest state that strictly contains both ends of an edge (undefined: top level). */
export function edgeContainer(model: DiagramModel, source: string, target: string): string | undefined {
  const chain = (id: string): string[] => {
    const out: string[] = [];
    let cur = model.states.get(id)?.parentId;
    while (cur !== undefined) {
      out.push(cur);
      cur = model.states.get(cur)?.parentId;
    }
    return out;
  };
  const targetAncestors = new Set(chain(target));
  return chain(source).find((id) => targetAncestors.has(id));
}
