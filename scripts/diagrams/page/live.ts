// The live view: a Server-Sent Events feed from the server's inspection port. Each message holds
// the count of actors per state of each machine the server watches, and the transitions since
// the previous message (event and user names only).
import type { LiveFeedMessage } from '../../../src/server/inspect/live-feed.js';
import type { MachineView } from './machine-view.js';
import { el } from './dom.js';

type LiveTransition = LiveFeedMessage['transitions'][number];

const KEEP = 200;

export function startLive(views: MachineView[]): void {
  const status = document.getElementById('live-status');
  const panel = document.getElementById('live');
  const list = panel?.querySelector('ol');
  const source = new EventSource('events');
  source.addEventListener('open', () => {
    if (status) status.textContent = 'Live: the counts on the states are this server’s actors, updated as they change.';
    document.body.dataset.live = 'connected';
  });
  source.addEventListener('error', () => {
    if (status) status.textContent = 'Live: not connected (retrying).';
    document.body.dataset.live = 'disconnected';
  });
  source.addEventListener('message', (e: MessageEvent<string>) => {
    const message = JSON.parse(e.data) as LiveFeedMessage;
    for (const view of views) {
      const counts = message.counts[view.model.machineId];
      if (counts !== undefined) view.showCounts(counts);
    }
    if (panel && list && message.transitions.length > 0) {
      panel.hidden = false;
      for (const t of message.transitions) {
        const who = t.user === undefined ? t.actor : `${t.actor} (${t.user})`;
        list.prepend(el('li', {}, `${t.at.slice(11, 23)} ${t.machine} ${who}: ${t.from.join(', ')} —${t.event}→ ${t.to.join(', ')}`));
      }
      while (list.children.length > KEEP) list.lastElementChild?.remove();
    }
  });
}
