// What the explorer page knows about one machine (serialised into index.html as JSON), and the
// pure questions it answers about it: which states a snapshot value stands for, which
// transitions leave a state (its own and its ancestors'), and which states it can reach.
// Runs in the generator and, bundled, in the page.

export interface ExplorerState {
  id: string;
  key: string;
  kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  parentId: string | undefined;
  initialId: string | undefined;
  children: string[];
  description: string | undefined;
  invokes: string[];
  entry: string[];
  exit: string[];
}

export interface ExplorerTransition {
  source: string;
  target: string | undefined;
  kind: 'event' | 'after' | 'always' | 'done' | 'error' | 'wildcard';
  trigger: string;
  guard: string | undefined;
  actions: string[];
  label: string;
  eventType: string;
  delayMs: number | undefined;
  /** The SVG id of the arrow that draws it (undefined: drawn inside the state's box). */
  svgEdge: string | undefined;
}

/** One model-based test path: the events from the initial state, and where each one leads. */
export interface ExplorerPath {
  title: string;
  steps: { label: string; edges: string[]; states: string[] }[];
}

/** Another machine this one works with, optionally at one of its states. */
export interface ExplorerLink {
  machine: string;
  state: string | undefined;
  text: string;
}

export interface ExplorerMachine {
  /** Output name (`session`, `transfer-sender`); also the section id on the page. */
  name: string;
  machineId: string;
  exportName: string;
  file: string;
  description: string;
  states: ExplorerState[];
  transitions: ExplorerTransition[];
  paths: ExplorerPath[];
  links: ExplorerLink[];
}

const byId = (m: ExplorerMachine, id: string): ExplorerState | undefined => m.states.find((s) => s.id === id);

/** The state ids a snapshot value stands for, ancestors first: `{ a: 'b' }` → [root, root.a, root.a.b]. */
export function activeStateIds(m: ExplorerMachine, value: unknown): string[] {
  const root = m.states[0];
  if (root === undefined) return [];
  const out: string[] = [root.id];
  const visit = (parent: ExplorerState, v: unknown): void => {
    const entries: [string, unknown][] = typeof v === 'string' ? [[v, undefined]] : typeof v === 'object' && v !== null ? Object.entries(v) : [];
    for (const [key, inner] of entries) {
      const child = parent.children.map((id) => byId(m, id)).find((s) => s?.key === key);
      if (child === undefined) continue;
      out.push(child.id);
      if (inner !== undefined) visit(child, inner);
    }
  };
  visit(root, value);
  return out;
}

function ancestorsOf(m: ExplorerMachine, id: string): string[] {
  const out: string[] = [];
  let cur = byId(m, id)?.parentId;
  while (cur !== undefined) {
    out.push(cur);
    cur = byId(m, cur)?.parentId;
  }
  return out;
}

/** Transitions that can be taken while `stateId` is active: its own, then each ancestor's. */
export function transitionsOf(m: ExplorerMachine, stateId: string): { transition: ExplorerTransition; from: string }[] {
  return [stateId, ...ancestorsOf(m, stateId)].flatMap((from) => m.transitions.filter((t) => t.source === from).map((transition) => ({ transition, from })));
}

/** The atomic states entered when `id` is entered (following initial states; every region of a parallel state). */
function enteredLeaves(m: ExplorerMachine, id: string): string[] {
  const s = byId(m, id);
  if (s === undefined) return [];
  if (s.kind === 'parallel') return s.children.flatMap((c) => enteredLeaves(m, c));
  if (s.kind === 'compound' && s.initialId !== undefined) return enteredLeaves(m, s.initialId);
  return [s.id];
}

/** Every state that some sequence of transitions from `stateId` enters, in document order. */
export function reachableFrom(m: ExplorerMachine, stateId: string): string[] {
  const reached = new Set<string>();
  const seenLeaves = new Set<string>();
  const queue = enteredLeaves(m, stateId);
  while (queue.length > 0) {
    const leaf = queue.shift() as string;
    if (seenLeaves.has(leaf)) continue;
    seenLeaves.add(leaf);
    const stillActive = new Set(ancestorsOf(m, leaf));
    for (const { transition } of transitionsOf(m, leaf)) {
      if (transition.target === undefined) continue;
      // A transition inside a compound state leaves that state (and its ancestors) active: they
      // are not reached again, only the target, the boxes around it it enters, and their initials.
      const enteredBoxes = ancestorsOf(m, transition.target).filter((a) => !stillActive.has(a) || transition.source === a);
      for (const entered of [transition.target, ...enteredBoxes, ...enteredLeaves(m, transition.target)]) {
        if (byId(m, entered)?.parentId !== undefined) reached.add(entered);
      }
      queue.push(...enteredLeaves(m, transition.target));
    }
  }
  return m.states.filter((s) => reached.has(s.id)).map((s) => s.id);
}
