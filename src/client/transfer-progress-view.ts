import type { TransferProgress } from '../p2p/progress.js';
import { formatProgressBar } from './progress-bar.js';
import type { TerminalUI } from './terminal-ui.js';

// Transfers shorter than this never show progress: a flash of a bar is noise.
const SHOW_AFTER_MS = 1000;
const MILESTONES = [25, 50, 75] as const;

interface Shown {
  startedAt: number;
  /** Milestones (percent) already printed, for incoming transfers. */
  printed: number;
}

/**
 * Progress for long transfers, on a terminal only (pipes get just the final line). An upload
 * holds the prompt, so it gets a live bar on the prompt's line; a download runs while the user
 * types, so it prints a line above the prompt at 25, 50 and 75 % instead of drawing over it.
 */
export class TransferProgressView {
  private readonly shown = new Map<string, Shown>();

  constructor(
    private readonly ui: TerminalUI,
    private readonly now: () => number = () => Date.now(),
  ) {}

  update(transferId: string, direction: 'send' | 'receive', label: string, progress: TransferProgress): void {
    if (!this.ui.isInteractive) return;
    const shown = this.shown.get(transferId) ?? { startedAt: this.now(), printed: 0 };
    this.shown.set(transferId, shown);
    if (this.now() - shown.startedAt < SHOW_AFTER_MS) return;
    const bar = `${label} ${formatProgressBar(progress)}`;
    if (direction === 'send') return this.ui.status(bar);
    const percent = progress.total === 0 ? 100 : (100 * progress.bytes) / progress.total;
    const due = MILESTONES.filter((m) => m > shown.printed && m <= percent).at(-1);
    if (due === undefined) return;
    shown.printed = due;
    this.ui.print(bar, 'notice');
  }

  done(transferId: string, direction: 'send' | 'receive'): void {
    if (this.shown.delete(transferId) && direction === 'send' && this.ui.isInteractive) this.ui.status('');
  }
}
