import type { TransferProgress } from '../p2p/progress.js';
import { formatProgressBar } from './progress-bar.js';
import type { TerminalUI } from './terminal-ui.js';

// Transfers shorter than this never draw a bar: a flash of a bar is noise.
const SHOW_AFTER_MS = 1000;

/** Draws a progress line for long transfers, on a terminal only; pipes get just the final line. */
export class TransferProgressView {
  private readonly started = new Map<string, number>();

  constructor(private readonly ui: TerminalUI) {}

  update(transferId: string, label: string, progress: TransferProgress): void {
    if (!this.ui.isInteractive) return;
    const start = this.started.get(transferId) ?? Date.now();
    this.started.set(transferId, start);
    if (Date.now() - start < SHOW_AFTER_MS) return;
    this.ui.status(`${label} ${formatProgressBar(progress)}`);
  }

  done(transferId: string): void {
    if (this.started.delete(transferId) && this.ui.isInteractive) this.ui.status('');
  }
}
