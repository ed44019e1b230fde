// One machine's section: its diagram (zoom, pan, click a state), the details panel, the
// simulator and the list of test paths.
import { createActor, SimulatedClock, type AnyActorRef, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { activeStateIds, reachableFrom, transitionsOf, type ExplorerMachine, type ExplorerTransition } from '../explorer-model.js';
import { ALWAYS_EVENT, simulationEvent, simulationMachine } from '../simulation.js';
import { formatDuration } from '../walk.js';
import { code, el } from './dom.js';
import { Zoom } from './zoom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export class MachineView {
  private readonly zoom: Zoom | undefined;
  private readonly svg: SVGSVGElement | null;
  private readonly details: HTMLElement;
  private readonly simState: HTMLElement;
  private readonly simEvents: HTMLElement;
  private actor: AnyActorRef | undefined;
  private clock = new SimulatedClock();
  private lastEdge: string | undefined;
  private readonly badges = new Map<string, SVGTextElement>();

  constructor(
    readonly section: HTMLElement,
    readonly model: ExplorerMachine,
    private readonly machine: AnyStateMachine,
  ) {
    this.svg = section.querySelector('.viewport svg');
    const viewport = section.querySelector<HTMLElement>('.viewport');
    this.details = section.querySelector<HTMLElement>('.details') ?? el('section');
    this.simState = section.querySelector<HTMLElement>('.sim-state') ?? el('div');
    this.simEvents = section.querySelector<HTMLElement>('.sim-events') ?? el('div');
    if (this.svg && viewport) {
      const zoom = new Zoom(viewport, this.svg, section.querySelector('.zoom-level'));
      this.zoom = zoom;
      for (const button of section.querySelectorAll<HTMLButtonElement>('[data-zoom]')) {
        button.addEventListener('click', () => zoom.command(button.dataset.zoom ?? ''));
      }
      this.svg.addEventListener('click', (e) => {
        if (zoom.moved) return;
        const id = this.stateAt(e.target);
        if (id !== undefined) this.select(id);
      });
    }
    section.querySelector('.sim-start')?.addEventListener('click', () => this.startSimulation());
    this.renderPaths();
    for (const link of section.querySelectorAll<HTMLAnchorElement>('a[data-link]')) {
      link.addEventListener('click', () => {
        const target = this.model.links.find((l) => l.machine === link.dataset.link);
        if (target?.state !== undefined) this.select(target.state);
      });
    }
  }

  /** The SVG element drawing a state or an arrow (ids are prefixed with the machine's name). */
  element(svgId: string): Element | null {
    return document.getElementById(`${this.model.name}-${svgId}`);
  }

  stateElement(stateId: string): Element | null {
    return this.element(`state:${stateId}`);
  }

  private stateAt(target: EventTarget | null): string | undefined {
    const g = target instanceof Element ? target.closest('g.node, g.cluster') : null;
    const prefix = `${this.model.name}-state:`;
    return g?.id.startsWith(prefix) ? g.id.slice(prefix.length) : undefined;
  }

  private keyOf(stateId: string | undefined): string {
    return this.model.states.find((s) => s.id === stateId)?.key ?? '(stays)';
  }

  private describeTransition(t: ExplorerTransition, from: string, selected: string): HTMLElement {
    const li = el('li', {}, code(t.trigger));
    if (t.guard !== undefined) li.append(' if ', code(t.guard));
    li.append(' → ', t.target === undefined ? el('span', { class: 'muted' }, 'stays (no state change)') : el('strong', {}, this.keyOf(t.target)));
    if (t.actions.length > 0) li.append(' / ', code(t.actions.join(', ')));
    if (t.kind === 'after' && t.delayMs !== undefined) li.append(el('span', { class: 'muted' }, ` (after ${formatDuration(t.delayMs)})`));
    if (from !== selected) li.append(el('span', { class: 'muted' }, ` (from ${this.keyOf(from)})`));
    return li;
  }

  /** Shows a state's description, its transitions and what it can reach, and outlines it. */
  select(stateId: string): void {
    const state = this.model.states.find((s) => s.id === stateId);
    if (state === undefined) return;
    for (const g of this.section.querySelectorAll('g.selected')) g.classList.remove('selected');
    this.stateElement(stateId)?.classList.add('selected');
    const body: (Node | string)[] = [el('h3', {}, `State `, code(state.key)), el('p', { class: 'muted' }, `${state.kind} state · id ${state.id}`)];
    if (state.description !== undefined) body.push(el('p', { class: 'state-description' }, state.description));
    const facts: [string, string[]][] = [
      ['on entry', state.entry],
      ['invokes', state.invokes],
      ['on exit', state.exit],
    ];
    for (const [what, list] of facts) if (list.length > 0) body.push(el('p', {}, `${what}: `, code(list.join(', '))));
    const transitions = transitionsOf(this.model, stateId);
    body.push(el('h3', {}, 'Transitions'));
    body.push(
      transitions.length === 0
        ? el('p', { class: 'muted' }, state.kind === 'final' ? 'None: a final state.' : 'None.')
        : el('ul', { class: 'transitions' }, ...transitions.map(({ transition, from }) => this.describeTransition(transition, from, stateId))),
    );
    const reachable = reachableFrom(this.model, stateId);
    body.push(el('h3', {}, 'Can reach'));
    if (reachable.length === 0) body.push(el('p', { class: 'muted' }, 'No other state.'));
    else {
      const list = el('p', { class: 'reachable' });
      for (const id of reachable) {
        const button = el('button', { type: 'button' }, this.keyOf(id));
        button.addEventListener('click', () => this.select(id));
        list.append(button, ' ');
      }
      body.push(list);
    }
    for (const link of this.model.links.filter((l) => l.state === stateId)) {
      body.push(el('p', {}, 'Consults ', el('a', { href: `#${link.machine}` }, link.machine), `: ${link.text}`));
    }
    this.details.replaceChildren(...body);
  }

  // --- simulator -------------------------------------------------------------------------------

  private startSimulation(): void {
    this.actor?.stop();
    this.clock = new SimulatedClock();
    this.lastEdge = undefined;
    const actor = createActor(simulationMachine(this.machine), { input: {}, clock: this.clock });
    actor.subscribe({ next: (snapshot) => this.renderSimulation(snapshot), error: (error) => this.simState.replaceChildren(el('p', {}, `The machine failed: ${String(error)}`)) });
    this.actor = actor;
    actor.start();
    this.renderSimulation(actor.getSnapshot() as AnyMachineSnapshot);
  }

  private take(t: ExplorerTransition): void {
    const actor = this.actor;
    if (actor === undefined) return;
    this.lastEdge = t.svgEdge;
    // An unguarded delay is advanced on the simulated clock (XState's own timer fires); a guarded
    // one is sent directly, carrying the guard the person picked.
    if (t.kind === 'after' && t.delayMs !== undefined && t.guard === undefined) this.clock.increment(t.delayMs);
    else actor.send(simulationEvent(t.kind === 'always' ? ALWAYS_EVENT : t.eventType, t.guard));
  }

  private renderSimulation(snapshot: AnyMachineSnapshot): void {
    const active = activeStateIds(this.model, snapshot.value);
    for (const g of this.section.querySelectorAll('g.sim-active, g.sim-edge')) g.classList.remove('sim-active', 'sim-edge');
    for (const id of active.slice(1)) this.stateElement(id)?.classList.add('sim-active');
    if (this.lastEdge !== undefined) this.element(this.lastEdge)?.classList.add('sim-edge');
    const leaves = active.filter((id) => !active.some((other) => this.model.states.find((s) => s.id === other)?.parentId === id));
    const done = snapshot.status !== 'active';
    this.simState.replaceChildren(
      el('p', {}, 'Now in ', ...leaves.flatMap((id, i) => [i > 0 ? ', ' : '', el('strong', { class: 'sim-current' }, this.keyOf(id))]), done ? ' (final: the machine is done)' : ''),
    );
    this.section.dataset.simState = leaves.map((id) => this.keyOf(id)).join(',');
    if (done) {
      this.simEvents.replaceChildren();
      return;
    }
    const seen = new Set<ExplorerTransition>();
    const buttons: HTMLElement[] = [];
    for (const leaf of leaves) {
      for (const { transition } of transitionsOf(this.model, leaf)) {
        // An unguarded eventless transition has been taken already; a guarded one is offered as a
        // choice (in the real machine its guard reads the context, e.g. what the client sent next).
        if (seen.has(transition) || (transition.kind === 'always' && transition.guard === undefined)) continue;
        seen.add(transition);
        const what = transition.kind === 'after' ? `advance time: ${transition.label}` : transition.label;
        const target = transition.target === undefined ? 'stays' : this.keyOf(transition.target);
        const button = el('button', { type: 'button', 'data-event': transition.kind === 'always' ? 'always' : transition.eventType }, `${what} → ${target}`);
        button.addEventListener('click', () => this.take(transition));
        buttons.push(button);
      }
    }
    this.simEvents.replaceChildren(...(buttons.length > 0 ? buttons : [el('p', { class: 'muted' }, 'No event is accepted here.')]));
  }

  // --- test paths ------------------------------------------------------------------------------

  private renderPaths(): void {
    const list = this.section.querySelector('.paths ol');
    if (list === null) return;
    const heading = this.section.querySelector('.paths h3');
    if (heading) heading.textContent = `Test paths (${this.model.paths.length})`;
    this.model.paths.forEach((path, index) => {
      const button = el('button', { type: 'button', 'aria-pressed': 'false', 'data-path': String(index) }, path.title);
      const steps = el('ol', { class: 'path-steps', hidden: '' }, ...path.steps.slice(1).map((s) => el('li', {}, code(s.label))));
      button.addEventListener('click', () => this.togglePath(index, button, steps));
      list.append(el('li', {}, button, steps));
    });
  }

  private togglePath(index: number, button: HTMLElement, steps: HTMLElement): void {
    const wasOn = button.getAttribute('aria-pressed') === 'true';
    for (const other of this.section.querySelectorAll('.paths button[aria-pressed="true"]')) other.setAttribute('aria-pressed', 'false');
    for (const other of this.section.querySelectorAll<HTMLElement>('.path-steps')) other.hidden = true;
    for (const g of this.section.querySelectorAll('g.path-state, g.path-edge')) g.classList.remove('path-state', 'path-edge');
    if (wasOn) return;
    const path = this.model.paths[index];
    if (path === undefined) return;
    button.setAttribute('aria-pressed', 'true');
    steps.hidden = false;
    for (const step of path.steps) {
      for (const id of step.states.slice(1)) this.stateElement(id)?.classList.add('path-state');
      for (const edge of step.edges) this.element(edge)?.classList.add('path-edge');
    }
  }

  // --- live counts -----------------------------------------------------------------------------

  /** Shows how many of the server's actors are in each state (a badge on every state's box). */
  showCounts(counts: Record<string, number>): void {
    if (this.svg === null) return;
    for (const state of this.model.states.slice(1)) {
      const n = counts[state.id] ?? 0;
      let text = this.badges.get(state.id);
      if (text === undefined) {
        const box = this.stateElement(state.id);
        if (!(box instanceof SVGGraphicsElement)) continue;
        const b = box.getBBox();
        const g = document.createElementNS(SVG_NS, 'g');
        g.setAttribute('class', 'live-count');
        g.setAttribute('data-state', state.id);
        const rect = document.createElementNS(SVG_NS, 'rect');
        for (const [k, v] of Object.entries({ x: b.x + b.width - 18, y: b.y - 9, width: 26, height: 18, rx: 9 })) rect.setAttribute(k, String(v));
        text = document.createElementNS(SVG_NS, 'text');
        for (const [k, v] of Object.entries({ x: b.x + b.width - 5, y: b.y + 4, 'text-anchor': 'middle' })) text.setAttribute(k, String(v));
        g.append(rect, text);
        box.parentNode?.appendChild(g);
        this.badges.set(state.id, text);
      }
      text.textContent = String(n);
      text.parentElement?.classList.toggle('zero', n === 0);
    }
  }
}
