// Machine model → Graphviz DOT text. Compound and parallel states become clusters; edges into or
// out of a cluster end at its border (`compound=true` + lhead/ltail).
import {
  type DiagramEdge,
  type DiagramModel,
  type DiagramState,
  isAncestor,
  rootIsDrawn,
  stateDetails,
  walkMachine,
  type MachineLike,
} from './walk.js';

const FONT = 'Helvetica';

/** A DOT double-quoted string. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An HTML-like label: the name in bold, then one smaller line per detail. */
function htmlLabel(title: string, details: string[]): string {
  if (details.length === 0) return `<<b>${html(title)}</b>>`;
  // One table row per line, spaced, so the name and the detail lines never touch.
  const rows = details.map((d) => `<tr><td><font point-size="9">${html(d)}</font></td></tr>`).join('');
  return `<<table border="0" cellborder="0" cellpadding="0" cellspacing="3"><tr><td><b>${html(title)}</b></td></tr>${rows}</table>>`;
}

const isCluster = (s: DiagramState): boolean => s.children.length > 0;
const clusterName = (s: DiagramState): string => dotString(`cluster_${s.id}`);
/** The invisible node an edge to/from a cluster attaches to (clipped at the border by lhead/ltail). */
const anchorOf = (s: DiagramState): string => `${s.id}#anchor`;

/** Direction of the layout: left-to-right suits long chains, top-to-bottom suits wide fans. */
export type RankDir = 'LR' | 'TB';

/** The SVG id of a state's box (node or cluster); the explorer page finds states by it. */
export const stateSvgId = (stateId: string): string => `state:${stateId}`;
/** The SVG id of the one arrow drawn for every transition between the same two states. */
export const edgeSvgId = (source: string, target: string): string => `edge:${source}~${target}`;

/** Transitions with a target, one group per (source, target) pair: drawn as one arrow whose label
 *  lists them one per line, so several ways into the same state do not stack labels on top of
 *  each other. */
export interface DrawnEdge {
  source: string;
  target: string;
  edges: DiagramEdge[];
}

export function drawnEdges(model: DiagramModel): DrawnEdge[] {
  const groups = new Map<string, DrawnEdge>();
  for (const e of model.edges) {
    if (e.target === undefined) continue;
    const key = edgeSvgId(e.source, e.target);
    const group = groups.get(key) ?? { source: e.source, target: e.target, edges: [] };
    group.edges.push(e);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** An arrow's label with its actions on a line of their own: long single lines are what make a
 *  layout too wide to read at 100 %. */
function edgeLabelLines(e: DiagramEdge): string {
  const head = e.guard === undefined ? e.trigger : `${e.trigger} [${e.guard}]`;
  return e.actions.length > 0 ? `${head}\n/ ${e.actions.join(', ')}` : head;
}

export function toDot(input: DiagramModel | MachineLike, rankdir: RankDir = 'LR'): string {
  const model = 'edges' in input ? input : walkMachine(input);
  const out: string[] = [];
  out.push(`digraph ${dotString(model.id)} {`);
  out.push(
    `  graph [compound=true, rankdir=${rankdir}, fontname=${dotString(FONT)}, fontsize=14, labelloc=t, label=${dotString(model.id)}, nodesep=0.4, ranksep=0.5];`,
  );
  out.push(`  node [shape=box, style=rounded, fontname=${dotString(FONT)}, fontsize=11, margin=${dotString("0.2,0.07")}];`);
  out.push(`  edge [fontname=${dotString(FONT)}, fontsize=9];`);

  const emitInitial = (s: DiagramState, indent: string, withAnchor = true): void => {
    if (s.kind === 'compound' && s.initialId !== undefined) {
      out.push(`${indent}${dotString(`${s.id}#initial`)} [shape=point, width=0.15, label=""];`);
    }
    if (isCluster(s) && withAnchor) {
      out.push(`${indent}${dotString(`${s.id}#anchor`)} [shape=point, style=invis, width=0.01, height=0.01, label=""];`);
    }
  };

  const emitState = (s: DiagramState, indent: string, parent: DiagramState | undefined): void => {
    const details = stateDetails(model, s);
    if (isCluster(s)) {
      const parallel = s.kind === 'parallel';
      const region = parent?.kind === 'parallel';
      const title = parallel ? `${s.key} (parallel)` : s.key;
      out.push(`${indent}subgraph ${clusterName(s)} {`);
      out.push(
        `${indent}  graph [id=${dotString(stateSvgId(s.id))}, label=${htmlLabel(title, details)}, style=${dotString(region ? 'rounded,dashed' : 'rounded')}, labeljust=l, margin=12];`,
      );
      emitInitial(s, `${indent}  `);
      for (const c of s.children) emitState(c, `${indent}  `, s);
      out.push(`${indent}}`);
      return;
    }
    const attrs: string[] = [`id=${dotString(stateSvgId(s.id))}`];
    if (s.kind === 'history') {
      attrs.push(`shape=circle`, `label=${dotString(s.history === 'deep' ? 'H*' : 'H')}`, `width=0.3`);
    } else {
      attrs.push(`label=${details.length > 0 ? htmlLabel(s.key, details) : dotString(s.key)}`);
    }
    // A double border drawn inside a rounded box cuts through its text: give it room.
    if (s.kind === 'final') attrs.push('peripheries=2', `margin=${dotString('0.25,0.12')}`);
    if (s.description !== undefined) attrs.push(`tooltip=${dotString(s.description)}`);
    out.push(`${indent}${dotString(s.id)} [${attrs.join(', ')}];`);
  };

  if (rootIsDrawn(model)) {
    emitState(model.root, '  ', undefined);
  } else {
    emitInitial(model.root, '  ', false);
    for (const c of model.root.children) emitState(c, '  ', model.root);
  }

  // Initial-state arrows.
  for (const s of model.states.values()) {
    if (s.kind !== 'compound' || s.initialId === undefined) continue;
    const target = model.states.get(s.initialId);
    if (!target) continue;
    const attrs = isCluster(target) ? ` [lhead=${clusterName(target)}]` : '';
    out.push(`  ${dotString(`${s.id}#initial`)} -> ${dotString(isCluster(target) ? anchorOf(target) : target.id)}${attrs};`);
  }

  for (const group of drawnEdges(model)) {
    const source = model.states.get(group.source);
    const target = model.states.get(group.target);
    if (!source || !target) continue;
    const attrs = [`id=${dotString(edgeSvgId(group.source, group.target))}`, `label=${dotString(group.edges.map(edgeLabelLines).join('\n'))}`];
    const self = source.id === target.id;
    if (isCluster(source) && !self && !isAncestor(model, source.id, target.id)) {
      attrs.push(`ltail=${clusterName(source)}`);
    }
    if (isCluster(target) && !self && !isAncestor(model, target.id, source.id)) {
      attrs.push(`lhead=${clusterName(target)}`);
    }
    // A merged arrow keeps a line style only when every transition on it shares it.
    const kinds = new Set(group.edges.map((e) => e.kind));
    const only = kinds.size === 1 ? [...kinds][0] : undefined;
    if (only === 'always') attrs.push('style=dashed');
    if (only === 'after') attrs.push(`style=dotted`);
    if (only === 'error') attrs.push(`color=${dotString('#b03030')}`, `fontcolor=${dotString('#b03030')}`);
    const from = isCluster(source) ? anchorOf(source) : source.id;
    const to = isCluster(target) ? anchorOf(target) : target.id;
    out.push(`  ${dotString(from)} -> ${dotString(to)} [${attrs.join(', ')}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
