// The bottom of the screen that belongs to the client: status lines (one per running transfer)
// and, while a question is asked, the prompt with the typed text, which may span several rows.
// Everything else (messages, replies) is printed above it and scrolls away as usual. The area
// knows which of its rows the cursor is on, so it can always go back to its first row, clear
// to the end of the screen and draw itself again: nothing of an old prompt or progress line
// stays behind, whatever the width.
import { displayWidth, fitWidth } from './display-width.js';
import { layoutInput, type InputLayout } from './input-layout.js';
import { currentWindowSize } from './window-size.js';

export interface AreaOutput {
  write(text: string): unknown;
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
  /** The size Node last knew (a TTY's `getWindowSize`); see currentWindowSize for the live one. */
  getWindowSize?(): [number, number];
}

export interface InputView {
  readonly prompt: string;
  readonly text: readonly string[];
  readonly cursor: number;
  /** A password: the typed text is not shown. */
  readonly secret: boolean;
}

const CSI = '\x1b[';
const HIDE_CURSOR = `${CSI}?25l`;
const SHOW_CURSOR = `${CSI}?25h`;
const CLEAR_TO_END_OF_SCREEN = `${CSI}J`;
const up = (n: number): string => (n > 0 ? `${CSI}${n}A` : '');
const right = (n: number): string => (n > 0 ? `${CSI}${n}C` : '');

/** A status line drawn for the current width (e.g. a progress bar that shrinks on narrow terminals). */
export type StatusLine = string | ((columns: number) => string);

/** Colour wrappers for a status line, applied after it was fitted to the width. */
export type Decorate = (line: string) => string;

export class LiveArea {
  private status: StatusLine[] = [];
  private input: InputView | undefined;
  /** What was drawn last: each row's width, and the cursor's row and column. */
  private drawnWidths: number[] = [];
  private cursorRow = 0;
  private cursorColumn = 0;
  private drawnColumns: number;
  private closed = false;

  constructor(
    private readonly output: AreaOutput,
    private readonly decorateStatus: Decorate = (line) => line,
  ) {
    this.drawnColumns = this.columns;
  }

  private get columns(): number {
    return Math.max(10, this.windowSize()?.[0] ?? this.output.columns ?? 80);
  }

  /** Rows of the screen: the area never draws more, or going back to its first row would fail. */
  private get screenRows(): number {
    return Math.max(2, this.windowSize()?.[1] ?? this.output.rows ?? Number.MAX_SAFE_INTEGER);
  }

  private windowSize(): [number, number] | undefined {
    try {
      return currentWindowSize(this.output);
    } catch {
      return undefined; // not a terminal after all (closed, redirected): fall back to `columns`
    }
  }

  /** Replaces the status lines (progress) and redraws. */
  setStatus(lines: readonly StatusLine[]): void {
    this.status = [...lines];
    this.redraw();
  }

  /** Shows (or, with undefined, removes) the prompt and typed text, and redraws. */
  setInput(input: InputView | undefined): void {
    this.input = input;
    this.redraw();
  }

  /** Prints whole lines above the area; the terminal wraps them, they scroll away as usual. */
  printAbove(lines: readonly string[]): void {
    if (this.closed) return;
    this.output.write(
      HIDE_CURSOR +
        this.eraseSequence() +
        lines.map((l) => `${l}\r\n`).join('') +
        this.drawSequence() +
        SHOW_CURSOR,
    );
  }

  /** The prompt and typed text stay on screen as a finished line (after Enter), the area goes on below. */
  commitInput(): void {
    const input = this.input;
    if (!input) return;
    this.input = undefined;
    this.printAbove(this.layout(input).rows);
  }

  redraw(): void {
    if (this.closed) return;
    this.output.write(HIDE_CURSOR + this.eraseSequence() + this.drawSequence() + SHOW_CURSOR);
  }

  /** After the terminal changed size: drawn again for the new width. */
  resized(): void {
    this.redraw();
  }

  /**
   * Terminals that reflow (most do) re-wrap each drawn row that no longer fits the new width, so
   * the cursor's row within the area is worked out again before the area is erased. Checked at
   * every erase, not only on the resize signal, which may be handled after other output.
   */
  private followWidth(): void {
    const columns = this.columns;
    if (columns === this.drawnColumns) return;
    const rowsAbove = this.drawnWidths
      .slice(0, this.cursorRow)
      .reduce((sum, w) => sum + Math.max(1, Math.ceil(w / columns)), 0);
    this.cursorRow = rowsAbove + Math.floor(this.cursorColumn / columns);
    this.drawnColumns = columns;
  }

  /** Removes the whole area and leaves the cursor at the start of an empty line; nothing is drawn afterwards. */
  close(): void {
    if (this.closed) return;
    this.output.write(this.eraseSequence() + SHOW_CURSOR);
    this.closed = true;
  }

  /** Goes back to the area's first row and clears from there to the end of the screen. */
  private eraseSequence(): string {
    this.followWidth();
    const sequence = `\r${up(this.cursorRow)}${CLEAR_TO_END_OF_SCREEN}`;
    this.drawnWidths = [];
    this.cursorRow = 0;
    this.cursorColumn = 0;
    return sequence;
  }

  private layout(input: InputView): InputLayout {
    return input.secret
      ? layoutInput(input.prompt, [], 0, this.columns)
      : layoutInput(input.prompt, input.text, input.cursor, this.columns);
  }

  /** Draws the status lines, then the input rows, and puts the cursor where the typing goes. */
  private drawSequence(): string {
    const columns = this.columns;
    this.drawnColumns = columns;
    const status = this.status.map((line) =>
      fitWidth(typeof line === 'string' ? line : line(columns), columns),
    );
    const input = this.input ? this.layout(this.input) : undefined;
    let out = status.map((line) => `${this.decorateStatus(line)}\r\n`).join('');
    this.drawnWidths = status.map(displayWidth);
    if (!input) {
      // The cursor rests on the empty row below the status lines.
      this.drawnWidths.push(0);
      this.cursorRow = status.length;
      this.cursorColumn = 0;
      return out;
    }
    // A typed text taller than the screen shows the rows around the cursor (all of it stays in
    // the line, and all of it is printed once Enter is pressed).
    const room = Math.max(1, this.screenRows - status.length);
    const first = Math.min(
      Math.max(0, input.cursorRow - room + 1),
      Math.max(0, input.rows.length - room),
    );
    const shown = input.rows.slice(first, first + room);
    out += shown.join('\r\n');
    this.drawnWidths.push(...shown.map(displayWidth));
    const lastRow = status.length + shown.length - 1;
    this.cursorRow = status.length + input.cursorRow - first;
    this.cursorColumn = input.cursorColumn;
    // "\r" first: after a row that filled the width the terminal's cursor is in a pending-wrap state.
    return `${out}\r${up(lastRow - this.cursorRow)}${right(this.cursorColumn)}`;
  }
}
