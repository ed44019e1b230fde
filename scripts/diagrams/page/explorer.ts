// The explorer page's script (bundled with XState and the machines into diagrams/explorer.js).
// One MachineView per machine section: zoom and pan, state details, simulator, test paths. The
// live view starts only when the page is served over HTTP (by a server with --inspect-port).
import type { AnyStateMachine } from 'xstate';
import type { ExplorerMachine } from '../explorer-model.js';
import { startLive } from './live.js';
import { MachineView } from './machine-view.js';

export function startExplorer(registry: Record<string, AnyStateMachine>): void {
  const dataElement = document.getElementById('explorer-data');
  const machines = JSON.parse(dataElement?.textContent ?? '[]') as ExplorerMachine[];
  const views: MachineView[] = [];
  for (const m of machines) {
    const section = document.getElementById(m.name);
    const machine = registry[m.name];
    if (section !== null && machine !== undefined) views.push(new MachineView(section, m, machine));
  }
  // Tests (and anyone scripting the page) wait for this rather than for time.
  document.body.dataset.explorer = 'ready';
  if (location.protocol === 'http:' || location.protocol === 'https:') startLive(views);
}
