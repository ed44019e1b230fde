// How many terminal columns a piece of text takes, so the input area can be laid out row by row
// the way the terminal will draw it. Text reaching here has passed safeText (no controls).
// A small table rather than a dependency: combining marks and format characters take no column,
// East Asian wide and fullwidth characters and emoji take two, everything else one.

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]+$/u;
const EMOJI = /\p{Extended_Pictographic}/u;

/** Unicode East Asian Wide (W) and Fullwidth (F) blocks, as [first, last] code points. */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

const isWide = (code: number): boolean =>
  WIDE.some(([first, last]) => code >= first && code <= last);

/** Columns taken by one grapheme (a user-perceived character). */
export function graphemeWidth(grapheme: string): number {
  if (grapheme === '' || ZERO_WIDTH.test(grapheme)) return 0;
  if (EMOJI.test(grapheme)) return 2;
  return isWide(grapheme.codePointAt(0) ?? 0) ? 2 : 1;
}

/** The graphemes of `text`, in order. */
export const graphemes = (text: string): string[] =>
  Array.from(segmenter.segment(text), (s) => s.segment);

/** Columns taken by `text` on one row. */
export const displayWidth = (text: string): number =>
  graphemes(text).reduce((sum, g) => sum + graphemeWidth(g), 0);

/** The longest start of `text` that fits in `columns`, with "…" when something was cut. */
export function fitWidth(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    const w = graphemeWidth(g);
    if (used + w > columns - 1) break;
    out += g;
    used += w;
  }
  return `${out}…`;
}
