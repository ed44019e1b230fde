import type { TransferProgress } from '../p2p/progress.js';
import { formatProgressLine } from './progress-bar.js';
import type { TerminalUI } from './terminal-ui.js';

// Transfers shorter than this never show progress: a flash of a bar is noise.
const SHOW_AFTER_MS = 1000;

/**
 * Progress for long transfers, on a terminal only (pipes get just the final line): one live line
 * per running transfer, in either direction, drawn above the prompt, redrawn in place as the
 * transfer advances and removed when it ends (the caller then prints the outcome).
 */
export class TransferProgressView {
  private readonly startedAt = new Map<string, number>();

  constructor(
    private readonly ui: TerminalUI,
    private readonly now: () => number = () => Date.now(),
  ) {}

  update(transferId: string, label: string, progress: TransferProgress): void {
    if (!this.ui.isInteractive) return;
    const startedAt = this.startedAt.get(transferId) ?? this.now();
    this.startedAt.set(transferId, startedAt);
    if (this.now() - startedAt < SHOW_AFTER_MS) return;
    this.ui.setProgress(transferId, (columns) => formatProgressLine(label, progress, columns));
  }

  done(transferId: string): void {
    this.startedAt.delete(transferId);
    this.ui.setProgress(transferId, undefined);
  }
}
