import type { TransferProgress } from '../p2p/progress.js';
import { formatProgressLine } from './progress-bar.js';
import type { TerminalUI } from './terminal-ui.js';

// Transfers shorter than this never show progress: a flash of a bar is noise.
const SHOW_AFTER_MS = 1000;

/** Runs `run` once after `ms`; returns a function that cancels it. */
export type Schedule = (ms: number, run: () => void) => () => void;

const realTimer: Schedule = (ms, run) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

interface Shown {
  readonly label: string;
  progress: TransferProgress;
  visible: boolean;
  readonly cancelTimer: () => void;
}

/**
 * Progress for long transfers, on a terminal only (pipes get just the final line): one live line
 * per running transfer, in either direction, drawn above the prompt, redrawn in place as the
 * transfer advances and removed when it ends (the caller then prints the outcome). A transfer
 * that is still running after a second shows its line even if no byte has moved (a stalled peer
 * is worth seeing).
 */
export class TransferProgressView {
  private readonly shown = new Map<string, Shown>();

  constructor(
    private readonly ui: TerminalUI,
    private readonly schedule: Schedule = realTimer,
  ) {}

  start(transferId: string, label: string, total: number): void {
    if (!this.ui.isInteractive || this.shown.has(transferId)) return;
    const entry: Shown = {
      label,
      progress: { bytes: 0, total, bytesPerSecond: 0 },
      visible: false,
      cancelTimer: this.schedule(SHOW_AFTER_MS, () => {
        entry.visible = true;
        this.draw(transferId, entry);
      }),
    };
    this.shown.set(transferId, entry);
  }

  update(transferId: string, progress: TransferProgress): void {
    const entry = this.shown.get(transferId);
    if (!entry) return;
    entry.progress = progress;
    if (entry.visible) this.draw(transferId, entry);
  }

  done(transferId: string): void {
    const entry = this.shown.get(transferId);
    if (!entry) return;
    entry.cancelTimer();
    this.shown.delete(transferId);
    if (entry.visible) this.ui.setProgress(transferId, undefined);
  }

  private draw(transferId: string, { label, progress }: Shown): void {
    this.ui.setProgress(transferId, (columns) => formatProgressLine(label, progress, columns));
  }
}
