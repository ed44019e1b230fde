// Machine model → Mermaid `stateDiagram-v2` text (rendered inline by code hosts).
//
// Mermaid's state grammar forbids `:` and `;` inside labels and `-` inside ids, so labels use
// Mermaid entity codes (`#58;` renders as `:`) and ids are sanitised (the original key is kept as
// the displayed name via `state "key" as id`).
import {
  type DiagramModel,
  type DiagramState,
  edgeContainer,
  rootIsDrawn,
  stateDetails,
  walkMachine,
  type MachineLike,
} from './walk.js';

const RESERVED = new Set(['state', 'note', 'direction', 'classdef', 'class', 'style', 'scale', 'hide', 'end', 'as']);

/** Escape text for a Mermaid label (edge label, state description, note). */
export function mermaidText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[#:;"{}]/g, (c) => (c === '"' ? '#quot;' : `#${c.charCodeAt(0)};`));
}

/** Unique Mermaid ids for every state: the key when it is a safe, unique identifier, else the
 *  path joined with `_`. */
export function mermaidIds(model: DiagramModel): Map<string, string> {
  const keyCount = new Map<string, number>();
  for (const s of model.states.values()) keyCount.set(s.key, (keyCount.get(s.key) ?? 0) + 1);
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const s of model.states.values()) {
    const safeKey = /^[A-Za-z_][A-Za-z0-9_]*$/.test(s.key) && !RESERVED.has(s.key.toLowerCase());
    let id = safeKey && keyCount.get(s.key) === 1 ? s.key : s.id.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(id) || RESERVED.has(id.toLowerCase())) id = `s_${id}`;
    let unique = id;
    for (let n = 2; used.has(unique); n++) unique = `${id}_${n}`;
    used.add(unique);
    ids.set(s.id, unique);
  }
  return ids;
}

export function toMermaid(input: DiagramModel | MachineLike): string {
  const model = 'edges' in input ? input : walkMachine(input);
  const ids = mermaidIds(model);
  const idOf = (stateId: string): string => ids.get(stateId) ?? stateId;
  const lines: string[] = ['stateDiagram-v2'];

  // Edges with a target, grouped by the state whose block they are written in.
  const edgesByContainer = new Map<string | undefined, string[]>();
  for (const e of model.edges) {
    if (e.target === undefined) continue; // internal transitions are listed inside the state
    const container = edgeContainer(model, e.source, e.target);
    const list = edgesByContainer.get(container) ?? [];
    list.push(`${idOf(e.source)} --> ${idOf(e.target)} : ${mermaidText(e.label)}`);
    edgesByContainer.set(container, list);
  }

  const historyLabel = (s: DiagramState): string => (s.history === 'deep' ? 'H*' : 'H');

  const emitState = (s: DiagramState, indent: string): void => {
    const id = idOf(s.id);
    const label = s.kind === 'history' ? historyLabel(s) : s.key;
    const head = label === id ? id : `"${mermaidText(label)}" as ${id}`;
    const details = stateDetails(model, s);
    if (s.children.length > 0) {
      lines.push(`${indent}state ${head} {`);
      emitDocument(s, `${indent}  `);
      lines.push(`${indent}}`);
      if (details.length > 0) {
        lines.push(`${indent}note right of ${id}`);
        for (const d of details) lines.push(`${indent}  ${mermaidText(d)}`);
        lines.push(`${indent}end note`);
      }
    } else {
      if (head !== id) lines.push(`${indent}state ${head}`);
      for (const d of details) lines.push(`${indent}${id} : ${mermaidText(d)}`);
      if (details.length === 0 && head === id) lines.push(`${indent}${id}`);
    }
    if (s.kind === 'final') lines.push(`${indent}${id} --> [*]`);
  };

  const emitDocument = (container: DiagramState, indent: string): void => {
    if (container.kind === 'compound' && container.initialId !== undefined) {
      lines.push(`${indent}[*] --> ${idOf(container.initialId)}`);
    }
    container.children.forEach((child, i) => {
      if (container.kind === 'parallel' && i > 0) lines.push(`${indent}--`);
      emitState(child, indent);
    });
    for (const l of edgesByContainer.get(container.id) ?? []) lines.push(`${indent}${l}`);
  };

  if (rootIsDrawn(model)) {
    emitState(model.root, '  ');
    lines.push(`  [*] --> ${idOf(model.root.id)}`);
    for (const l of edgesByContainer.get(undefined) ?? []) lines.push(`  ${l}`);
  } else {
    emitDocument(model.root, '  ');
  }
  return `${lines.join('\n')}\n`;
}
