// Machine model → Graphviz DOT text. Compound and parallel states become clusters; edges into or
// out of a cluster end at its border (`compound=true` + lhead/ltail).
import {
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
  const rows = details.map((d) => `<br/><font point-size="9">${html(d)}</font>`).join('');
  return `<<b>${html(title)}</b>${rows}>`;
}

const isCluster = (s: DiagramState): boolean => s.children.length > 0;
const clusterName = (s: DiagramState): string => dotString(`cluster_${s.id}`);
/** The invisible node an edge to/from a cluster attaches to (clipped at the border by lhead/ltail). */
const anchorOf = (s: DiagramState): string => `${s.id}#anchor`;

export function toDot(input: DiagramModel | MachineLike): string {
  const model = 'edges' in input ? input : walkMachine(input);
  const out: string[] = [];
  out.push(`digraph ${dotString(model.id)} {`);
  out.push(
    `  graph [compound=true, rankdir=LR, fontname=${dotString(FONT)}, fontsize=14, labelloc=t, label=${dotString(model.id)}, nodesep=0.4, ranksep=0.5];`,
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
        `${indent}  graph [label=${htmlLabel(title, details)}, style=${dotString(region ? 'rounded,dashed' : 'rounded')}, labeljust=l, margin=12];`,
      );
      emitInitial(s, `${indent}  `);
      for (const c of s.children) emitState(c, `${indent}  `, s);
      out.push(`${indent}}`);
      return;
    }
    const attrs: string[] = [];
    if (s.kind === 'history') {
      attrs.push(`shape=circle`, `label=${dotString(s.history === 'deep' ? 'H*' : 'H')}`, `width=0.3`);
    } else {
      attrs.push(`label=${details.length > 0 ? htmlLabel(s.key, details) : dotString(s.key)}`);
    }
    if (s.kind === 'final') attrs.push('peripheries=2');
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

  for (const e of model.edges) {
    if (e.target === undefined) continue; // internal transitions are listed inside the state
    const source = model.states.get(e.source);
    const target = model.states.get(e.target);
    if (!source || !target) continue;
    const attrs = [`label=${dotString(e.label)}`];
    const self = source.id === target.id;
    if (isCluster(source) && !self && !isAncestor(model, source.id, target.id)) {
      attrs.push(`ltail=${clusterName(source)}`);
    }
    if (isCluster(target) && !self && !isAncestor(model, target.id, source.id)) {
      attrs.push(`lhead=${clusterName(target)}`);
    }
    if (e.kind === 'always') attrs.push('style=dashed');
    if (e.kind === 'after') attrs.push(`style=dotted`);
    if (e.kind === 'error') attrs.push(`color=${dotString('#b03030')}`, `fontcolor=${dotString('#b03030')}`);
    const from = isCluster(source) ? anchorOf(source) : source.id;
    const to = isCluster(target) ? anchorOf(target) : target.id;
    out.push(`  ${dotString(from)} -> ${dotString(to)} [${attrs.join(', ')}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
