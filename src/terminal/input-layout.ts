// Where the prompt and the typed text land on the screen, row by row, for a given width. The
// terminal never wraps the input area by itself: each row is written whole and rows are ended
// explicitly, so the cursor's row is always known and redrawing can go back to the first row.
import { graphemes, graphemeWidth } from './display-width.js';

export interface InputLayout {
  /** The rows as written, each at most `columns` wide. */
  readonly rows: readonly string[];
  /** Cursor position inside the area (0-based). */
  readonly cursorRow: number;
  readonly cursorColumn: number;
}

/**
 * Lays out `prompt` followed by `text` (as graphemes) in rows of `columns`; `cursor` is an index
 * into `text`. A grapheme that does not fit on a row starts the next one (as terminals do with
 * wide characters). A cursor after a full last row sits at the start of a new, empty row.
 */
export function layoutInput(
  prompt: string,
  text: readonly string[],
  cursor: number,
  columns: number,
): InputLayout {
  const width = Math.max(1, Math.floor(columns));
  const rows: string[] = [];
  let row = '';
  let used = 0;
  let cursorRow = 0;
  let cursorColumn = 0;
  const place = (g: string): void => {
    const w = graphemeWidth(g);
    if (used + w > width && used > 0) {
      rows.push(row);
      row = '';
      used = 0;
    }
    row += g;
    used += w;
  };
  for (const g of graphemes(prompt)) place(g);
  text.forEach((g, i) => {
    if (i === cursor)
      [cursorRow, cursorColumn] =
        used + graphemeWidth(g) > width && used > 0 ? [rows.length + 1, 0] : [rows.length, used];
    place(g);
  });
  if (cursor >= text.length)
    [cursorRow, cursorColumn] = used >= width ? [rows.length + 1, 0] : [rows.length, used];
  rows.push(row);
  if (cursorRow >= rows.length) rows.push('');
  return { rows, cursorRow, cursorColumn };
}
