// Pure formatting of a one-line transfer progress bar for a terminal, e.g.
//   [##########----------]  50%  512.0 MiB / 1.0 GiB  210.3 MiB/s  ETA 0:02
// No I/O: the caller decides where and how often to draw it.
import type { TransferProgress } from '../p2p/progress.js';
import { displayWidth, fitWidth } from '../terminal/display-width.js';

export interface ProgressBarOptions {
  /** characters between the brackets */
  readonly width?: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 1536 → "1.5 KiB"; bytes below 1 KiB are shown whole. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Seconds as m:ss or h:mm:ss; unknown (no rate yet) as "--:--". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatProgressBar(
  progress: TransferProgress,
  options: ProgressBarOptions = {},
): string {
  const width = Math.max(1, Math.floor(options.width ?? 20));
  const total = Math.max(0, progress.total);
  const bytes = Math.min(Math.max(0, progress.bytes), total);
  const fraction = total === 0 ? 1 : bytes / total;
  const filled = Math.min(width, Math.floor(fraction * width));
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const rate = progress.bytesPerSecond > 0 ? `${formatBytes(progress.bytesPerSecond)}/s` : '-- B/s';
  const eta =
    progress.bytesPerSecond > 0
      ? formatDuration((total - bytes) / progress.bytesPerSecond)
      : '--:--';
  return `[${bar}] ${percent}  ${formatBytes(bytes)} / ${formatBytes(total)}  ${rate}  ETA ${eta}`;
}

/** The bar alone, e.g. "[#####-----]", `width` characters between the brackets. */
function bar(progress: TransferProgress, width: number): string {
  const total = Math.max(0, progress.total);
  const fraction = total === 0 ? 1 : Math.min(Math.max(0, progress.bytes), total) / total;
  const filled = Math.min(width, Math.floor(fraction * width));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

const percentOf = (progress: TransferProgress): string =>
  `${progress.total <= 0 ? 100 : Math.floor((100 * Math.min(Math.max(0, progress.bytes), progress.total)) / progress.total)}%`;

/**
 * `label` and the progress for a row of `columns`: the full bar when it fits, else a shorter
 * bar and the percentage, else the percentage alone; never wider than `columns`.
 */
export function formatProgressLine(
  label: string,
  progress: TransferProgress,
  columns: number,
): string {
  const full = `${label} ${formatProgressBar(progress)}`;
  if (displayWidth(full) <= columns) return full;
  const percent = percentOf(progress);
  const room = columns - displayWidth(label) - percent.length - 4;
  if (room >= 5) return `${label} ${bar(progress, Math.min(room, 20))} ${percent}`;
  return `${fitWidth(label, Math.max(1, columns - percent.length - 1))} ${percent}`;
}
