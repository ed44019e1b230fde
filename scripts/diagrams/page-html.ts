// diagrams/index.html: the explorer page. Readable without script (descriptions, diagrams at
// their natural size, legend); explorer.js adds zoom and pan, state details, the simulator, the
// test paths and, when served by a server started with --inspect-port, the live view.
import type { Rendered } from './build.js';
import type { ExplorerMachine } from './explorer-model.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Plain text with `code` spans, as HTML. */
export function prose(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** JSON that cannot end the <script> element it sits in. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const STYLE = `
:root { --accent: #1565c0; --active: #c62828; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.45 Helvetica, Arial, sans-serif; margin: 0; color: #1f2328; }
header { padding: 1rem 1.5rem 0.5rem; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 0.25rem; font-size: 1.5rem; }
nav a { margin-right: 1rem; }
main { padding: 0 1.5rem 2rem; }
section.machine { margin-top: 1.5rem; }
h2 { margin: 0 0 0.25rem; }
h2 small { font-weight: normal; font-size: 0.8rem; color: #57606a; }
.description { max-width: 60rem; margin: 0.25rem 0; }
.links { margin: 0.25rem 0 0.75rem; padding-left: 1.25rem; }
.workspace { display: grid; grid-template-columns: minmax(0, 1fr) 24rem; gap: 1rem; align-items: start; }
.toolbar { display: flex; gap: 0.25rem; align-items: center; margin-bottom: 0.25rem; }
.toolbar .zoom-level { min-width: 4rem; text-align: center; color: #57606a; }
.viewport { max-height: 72vh; overflow: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: grab; }
.viewport.panning { cursor: grabbing; }
.viewport svg { display: block; }
.viewport g.node, .viewport g.cluster { cursor: pointer; }
/* States are drawn unfilled: without this, a click inside a box but off its text would miss it. */
.viewport g.node *, .viewport g.cluster * { pointer-events: all; }
aside.panel { max-height: 78vh; overflow: auto; border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.75rem; font-size: 14px; }
aside h3 { margin: 0.5rem 0 0.25rem; font-size: 1rem; }
aside ul, aside ol { padding-left: 1.25rem; margin: 0.25rem 0; }
aside button { font: inherit; margin: 0.1rem 0; text-align: left; }
.transitions li { margin-bottom: 0.2rem; }
code, .mono { font-family: Menlo, Consolas, monospace; font-size: 0.9em; }
.muted { color: #57606a; }
.sim-events button { display: block; width: 100%; }
.paths button { width: 100%; }
.paths button[aria-pressed="true"] { background: #dbe9fb; }
g.selected path, g.selected polygon { stroke: var(--accent); stroke-width: 3; }
g.sim-active path, g.sim-active polygon { stroke: var(--active); stroke-width: 3; fill: #fde8e8; }
g.path-state path, g.path-state polygon { fill: #e3eefc; }
g.path-edge path { stroke: var(--accent); stroke-width: 3; }
g.path-edge polygon { stroke: var(--accent); fill: var(--accent); }
g.sim-edge path { stroke: var(--active); stroke-width: 3; }
g.live-count rect { fill: var(--accent); }
g.live-count.zero rect { fill: #8c959f; }
g.live-count text { fill: #fff; font: bold 12px Helvetica, Arial, sans-serif; }
#live { margin-top: 1.5rem; }
#live ol { max-height: 16rem; overflow: auto; border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.5rem 0.5rem 2.5rem; font-size: 14px; }
.legend { margin: 0.75rem 0; max-width: 60rem; }
`;

const LEGEND = [
  'A black dot points at the initial state; a double border is a final state.',
  'A box around states is a compound state; <code>(parallel)</code> with dashed regions: parallel states.',
  'Arrow labels read <code>EVENT [guard] / action, action</code>; several transitions between the same two states share one arrow, one per line.',
  '<code>after loginTimeout (60s)</code> is a delayed transition with its default duration (dotted); <code>always</code> is eventless (dashed); <code>done: x</code> / <code>error: x</code> are the end of the invoked actor <code>x</code>.',
  'Lines inside a state: <code>entry / …</code>, <code>exit / …</code>, <code>invoke: actor</code>, and transitions that stay in the state.',
  'Drag to pan, use the buttons (or Ctrl + wheel) to zoom; click a state for its transitions and the states it can reach.',
];

function inlineSvg(r: Rendered): string {
  return (
    r.svg
      .replace(/<\?xml[^>]*>\s*/, '')
      .replace(/<!DOCTYPE[^>]*>\s*/, '')
      // Ids are per SVG (graph0, state:…, edge:…): prefix them so the page's ids are unique.
      .replace(/ id="/g, ` id="${r.found.name}-`)
      .trimEnd()
  );
}

export function indexHtml(rendered: Rendered[], machines: ExplorerMachine[]): string {
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Tessenger statecharts</title>',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    '<h1>Tessenger statecharts</h1>',
    '<p>Every lifecycle of Tessenger is an XState machine; these diagrams are generated from <code>machines/*.machine.ts</code> by <code>npm run diagrams</code> (do not edit). <span id="live-status" class="muted"></span></p>',
    `<nav>${rendered.map((r) => `<a href="#${r.found.name}">${escapeHtml(r.found.name)}</a>`).join('')}</nav>`,
    '</header>',
    '<main>',
    `<details class="legend"><summary>How to read the diagrams</summary><ul>${LEGEND.map((l) => `<li>${l}</li>`).join('')}</ul></details>`,
    '<section id="live" hidden><h2>Latest transitions (live)</h2><p class="muted">Newest first. Event names and user names only: never passwords or message texts.</p><ol></ol></section>',
  ];
  if (rendered.length === 0) out.push('<p>No machines found.</p>');
  rendered.forEach((r, i) => {
    const m = machines[i];
    const links = (m?.links ?? [])
      .map((l) => `<li>Works with <a href="#${l.machine}" data-link="${l.machine}">${escapeHtml(l.machine)}</a>: ${prose(l.text)}</li>`)
      .join('');
    out.push(
      `<section class="machine" id="${r.found.name}" data-machine="${r.found.name}">`,
      `<h2>${escapeHtml(r.found.name)} <small><code>${escapeHtml(r.found.exportName)}</code> in <code>machines/${escapeHtml(r.found.file)}</code></small></h2>`,
      `<p class="description">${prose(m?.description ?? '')}</p>`,
      links === '' ? '' : `<ul class="links">${links}</ul>`,
      '<div class="workspace">',
      '<div class="diagram">',
      '<div class="toolbar"><button type="button" data-zoom="out" title="Zoom out">−</button><span class="zoom-level">100 %</span><button type="button" data-zoom="in" title="Zoom in">+</button><button type="button" data-zoom="reset">100 %</button><button type="button" data-zoom="fit">Fit</button></div>',
      `<div class="viewport" tabindex="0">${inlineSvg(r)}</div>`,
      '</div>',
      '<aside class="panel">',
      '<section class="details"><h3>State</h3><p class="muted">Click a state in the diagram to see what can happen from there.</p></section>',
      '<section class="simulator"><h3>Simulator</h3><p class="muted">Runs this machine in the page (XState), with guards, actors and timers under your control.</p><button type="button" class="sim-start">Start a simulation</button><div class="sim-state"></div><div class="sim-events"></div></section>',
      '<section class="paths"><h3>Test paths</h3><ol></ol></section>',
      '</aside>',
      '</div>',
      '</section>',
    );
  });
  out.push(
    '</main>',
    `<script type="application/json" id="explorer-data">${scriptJson(machines)}</script>`,
    '<script src="explorer.js"></script>',
    '</body>',
    '</html>',
    '',
  );
  return out.filter((line) => line !== '').join('\n');
}
