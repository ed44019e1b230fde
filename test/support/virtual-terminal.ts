// A minimal terminal screen for unit tests: it understands exactly the output the client's
// terminal layer produces (printable text with autowrap and xterm's pending-wrap rule, CR, LF,
// cursor up/right, clear to end of line/screen, colour and mode sequences ignored) and fails on
// anything else, so a test sees the screen a person would see and notices a stray sequence.
import { graphemes, graphemeWidth } from '../../src/terminal/display-width.js';

export class VirtualTerminal {
  private cells: string[][] = [];
  private row = 0;
  private col = 0;
  private pendingWrap = false;
  /** Rows that scrolled off the top. */
  readonly scrolledOff: string[] = [];

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    this.cells = Array.from({ length: rows }, () => this.blankRow());
  }

  private blankRow(): string[] {
    return Array.from({ length: this.columns }, () => ' ');
  }

  private lineFeed(): void {
    if (this.row < this.rows - 1) this.row++;
    else {
      this.scrolledOff.push((this.cells.shift() ?? []).join('').trimEnd());
      this.cells.push(this.blankRow());
    }
  }

  write(data: string): void {
    let i = 0;
    const glyphs = graphemes(data);
    while (i < glyphs.length) {
      const g = glyphs[i++] ?? '';
      if (g === '\r') {
        this.col = 0;
        this.pendingWrap = false;
      } else if (g === '\n' || g === '\r\n') {
        if (g === '\r\n') this.col = 0;
        this.pendingWrap = false;
        this.lineFeed();
      } else if (g === '\x1b') {
        let seq = '';
        while (i < glyphs.length && !/[A-Za-z~]/.test(seq.at(-1) ?? '')) seq += glyphs[i++];
        this.escape(seq);
      } else if (/[\u0000-\u001f\u007f]/u.test(g)) {
        throw new Error(`unexpected control character ${JSON.stringify(g)}`);
      } else {
        const w = graphemeWidth(g);
        if (this.pendingWrap || this.col + w > this.columns) {
          this.col = 0;
          this.pendingWrap = false;
          this.lineFeed();
        }
        const line = this.cells[this.row] ?? [];
        line[this.col] = g;
        if (w === 2) line[this.col + 1] = '';
        this.col += w;
        if (this.col >= this.columns) {
          this.col = this.columns - 1;
          this.pendingWrap = true;
        }
      }
    }
  }

  private escape(seq: string): void {
    const csi = /^\[(\??)(\d*)([A-Za-z~])$/.exec(seq);
    if (!csi) throw new Error(`unexpected escape sequence ${JSON.stringify(seq)}`);
    const [, mode, digits, final] = csi;
    const n = digits === '' ? 1 : Number(digits);
    if (mode === '?') return; // cursor visibility, bracketed paste
    this.pendingWrap = false;
    switch (final) {
      case 'A':
        this.row = Math.max(0, this.row - n);
        return;
      case 'C':
        this.col = Math.min(this.columns - 1, this.col + n);
        return;
      case 'K':
        for (let c = this.col; c < this.columns; c++) (this.cells[this.row] ?? [])[c] = ' ';
        return;
      case 'J':
        for (let c = this.col; c < this.columns; c++) (this.cells[this.row] ?? [])[c] = ' ';
        for (let r = this.row + 1; r < this.rows; r++) this.cells[r] = this.blankRow();
        return;
      case 'm':
        return; // colour
      default:
        throw new Error(`unexpected escape sequence ${JSON.stringify(seq)}`);
    }
  }

  /** The screen as text: one line per row, trailing spaces removed, trailing empty rows dropped. */
  screen(): string {
    const lines = this.cells.map((r) => r.join('').trimEnd());
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines.join('\n');
  }

  get cursor(): { row: number; column: number } {
    return { row: this.row, column: this.col };
  }
}
