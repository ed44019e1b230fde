// The model-based test paths of a machine, for the explorer page: built with the same path
// builder as the model-based tests (test/model/paths.ts: shortest paths to every state and
// incoming transition, prefixes dropped), on the simulation machine, so it works for any machine
// without knowing its events' payloads: one event per declared transition, which picks the
// transition's guard branch.
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { buildTestModel, generatePaths } from '../../test/model/paths.js';
import { edgeSvgId } from './dot.js';
import type { ExplorerPath } from './explorer-model.js';
import { ALWAYS_EVENT, simulationEvent, simulationMachine } from './simulation.js';
import { guardLabel, type DiagramModel } from './walk.js';

const leafKeys = (snapshot: AnyMachineSnapshot): string[] =>
  (snapshot._nodes as { id: string; key: string; type: string }[]).filter((n) => n.type === 'atomic' || n.type === 'final').map((n) => n.key);

type TakenTransition = { source: { id: string }; eventType: string; target?: { id: string }[]; guard?: unknown };

/** The guarded eventless transition the ALWAYS_EVENT picked in `before` (getTransitionData knows only evented ones). */
function alwaysTaken(before: AnyMachineSnapshot, event: EventObject, model: DiagramModel): TakenTransition[] {
  const active = new Set((before._nodes as { id: string }[]).map((n) => n.id));
  const chosen = JSON.stringify(event);
  const edge = model.edges.find((e) => e.kind === 'always' && e.guard !== undefined && active.has(e.source) && JSON.stringify(simulationEvent(ALWAYS_EVENT, e.guard)) === chosen);
  return edge === undefined ? [] : [{ source: { id: edge.source }, eventType: '', target: edge.target === undefined ? [] : [{ id: edge.target }], guard: edge.guard }];
}

export function testPaths(machine: AnyStateMachine, model: DiagramModel): ExplorerPath[] {
  const simulated = simulationMachine(machine);
  const events = new Map<string, EventObject>();
  for (const e of model.edges) {
    if (e.kind === 'wildcard') continue;
    // An unguarded eventless transition is taken by itself; a guarded one needs its guard picked.
    if (e.kind === 'always' && e.guard === undefined) continue;
    const event = simulationEvent(e.kind === 'always' ? ALWAYS_EVENT : e.eventType, e.guard);
    events.set(JSON.stringify(event), event);
  }
  const testModel = buildTestModel(simulated, {
    events: [...events.values()],
    input: {},
    contextKey: () => null,
    takes: (snapshot, event) =>
      event.type === ALWAYS_EVENT ? alwaysTaken(snapshot, event, model).length > 0 : simulated.getTransitionData(snapshot, event).length > 0,
  });
  return generatePaths(testModel).map((path) => {
    const steps = path.steps.map((step, i) => {
      const before = i === 0 ? undefined : path.steps[i - 1]?.state;
      const states = (step.state._nodes as { id: string }[]).map((n) => n.id);
      if (before === undefined) return { label: 'start', edges: [], states };
      const taken =
        step.event.type === ALWAYS_EVENT
          ? alwaysTaken(before, step.event, model)
          : simulated.getTransitionData(before, step.event);
      const labels = taken.map(
        (t) =>
          model.edges.find(
            (e) => e.source === t.source.id && e.eventType === t.eventType && e.target === t.target?.[0]?.id && e.guard === guardLabel(t.guard),
          )?.label ?? t.eventType,
      );
      const label = labels.join(' + ') || step.event.type;
      const edges = taken.flatMap((t) => (t.target ?? []).map((target: { id: string }) => edgeSvgId(t.source.id, target.id)));
      return { label, edges, states };
    });
    const last = path.steps[path.steps.length - 1]?.state;
    const title = `${steps.slice(1).map((s) => s.label.split(' / ')[0]).join(' → ')} ⇒ ${last ? leafKeys(last).join(', ') : ''}`;
    return { title, steps };
  });
}
