// The typed line and what each key does to it: insert, move, delete, history, submit. Pure
// state, no I/O: the terminal feeds it key presses (as decoded by node:readline's
// emitKeypressEvents) and redraws whatever it holds.
import { graphemes } from './display-width.js';

/** A key press as node:readline's emitKeypressEvents reports it. */
export interface Key {
  readonly sequence?: string | undefined;
  readonly name?: string | undefined;
  readonly ctrl?: boolean | undefined;
  readonly meta?: boolean | undefined;
  readonly shift?: boolean | undefined;
}

export type EditorAction =
  | { type: 'none' }
  | { type: 'changed' }
  | { type: 'submit'; line: string }
  | { type: 'complete' }
  | { type: 'interrupt' }
  | { type: 'end-of-input' }
  | { type: 'redraw' };

const NONE: EditorAction = { type: 'none' };
const CHANGED: EditorAction = { type: 'changed' };
const HISTORY_SIZE = 200;
/** Printable text only: controls never enter the line (a pasted escape sequence cannot either). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/gu;

export class LineEditor {
  private chars: string[] = [];
  private at = 0;
  private readonly history: string[] = [];
  /** Position while browsing history: history.length means "the line being typed". */
  private browsing = 0;
  private draft: string[] = [];
  /** Inside a bracketed paste a Tab is text, not a completion request. */
  private pasting = false;
  private lastWasReturn = false;

  /** The line as graphemes (for layout) and the cursor as an index into them. */
  get graphemes(): readonly string[] {
    return this.chars;
  }

  get cursor(): number {
    return this.at;
  }

  get text(): string {
    return this.chars.join('');
  }

  /** Text before the cursor (what completion looks at). */
  get beforeCursor(): string {
    return this.chars.slice(0, this.at).join('');
  }

  /** Inserts printable text at the cursor; controls are dropped. */
  insert(text: string): void {
    const clean = text.replace(CONTROL, '');
    if (clean === '') return;
    // Re-segmented as a whole so a combining mark joins the character before it.
    const before = graphemes(this.chars.slice(0, this.at).join('') + clean);
    this.chars = [...before, ...this.chars.slice(this.at)];
    this.at = before.length;
  }

  /** Replaces the `count` graphemes before the cursor by `text` (a completion). */
  replaceBeforeCursor(count: number, text: string): void {
    const start = Math.max(0, this.at - count);
    this.chars = [...this.chars.slice(0, start), ...this.chars.slice(this.at)];
    this.at = start;
    this.insert(text);
  }

  /** Applies one key press; says what the caller should do next. */
  key(key: Key): EditorAction {
    const wasReturn = this.lastWasReturn;
    this.lastWasReturn = key.name === 'return';
    if (key.name === 'paste-start') return ((this.pasting = true), NONE);
    if (key.name === 'paste-end') return ((this.pasting = false), NONE);
    if (key.ctrl && !key.meta) {
      switch (key.name) {
        case 'c':
          return { type: 'interrupt' };
        case 'd':
          if (this.chars.length === 0) return { type: 'end-of-input' };
          return this.deleteForward();
        case 'a':
          return this.moveTo(0);
        case 'e':
          return this.moveTo(this.chars.length);
        case 'b':
          return this.moveTo(this.at - 1);
        case 'f':
          return this.moveTo(this.at + 1);
        case 'u':
          return this.cut(0, this.at);
        case 'k':
          return this.cut(this.at, this.chars.length);
        case 'w':
          return this.cut(this.wordStart(), this.at);
        case 'h':
          return this.deleteBack();
        case 'l':
          return { type: 'redraw' };
        case 'p':
          return this.recall(-1);
        case 'n':
          return this.recall(1);
        case 'j':
          return wasReturn ? NONE : this.submit();
        case 'm':
          return this.submit();
        default:
          return NONE;
      }
    }
    switch (key.name) {
      case 'return':
        return this.submit();
      case 'enter':
        // "\r\n" (a pasted Windows line end) is one line end, not a line and an empty line.
        return wasReturn ? NONE : this.submit();
      case 'tab':
        if (this.pasting) return (this.insert(' '), CHANGED);
        return { type: 'complete' };
      case 'backspace':
        return key.meta ? this.cut(this.wordStart(), this.at) : this.deleteBack();
      case 'delete':
        return this.deleteForward();
      case 'left':
        return this.moveTo(this.at - 1);
      case 'right':
        return this.moveTo(this.at + 1);
      case 'home':
        return this.moveTo(0);
      case 'end':
        return this.moveTo(this.chars.length);
      case 'up':
        return this.recall(-1);
      case 'down':
        return this.recall(1);
      default:
        break;
    }
    const sequence = key.sequence ?? '';
    if (key.meta || sequence === '' || sequence.startsWith('\x1b')) return NONE; // unhandled escape sequences
    const before = this.chars.length;
    this.insert(sequence);
    return this.chars.length === before && sequence.replace(CONTROL, '') === '' ? NONE : CHANGED;
  }

  /** Takes the line (for Enter): it goes to history unless `secret` and the editor is empty again. */
  private submit(): EditorAction {
    const line = this.text;
    this.clear();
    return { type: 'submit', line };
  }

  /** Adds a submitted line to history (not done for passwords). */
  remember(line: string): void {
    if (line.trim() !== '' && this.history.at(-1) !== line) this.history.push(line);
    if (this.history.length > HISTORY_SIZE) this.history.shift();
    this.browsing = this.history.length;
  }

  clear(): void {
    this.chars = [];
    this.at = 0;
    this.browsing = this.history.length;
    this.draft = [];
  }

  private moveTo(position: number): EditorAction {
    const next = Math.min(Math.max(0, position), this.chars.length);
    if (next === this.at) return NONE;
    this.at = next;
    return CHANGED;
  }

  private deleteBack(): EditorAction {
    return this.at === 0 ? NONE : this.cut(this.at - 1, this.at);
  }

  private deleteForward(): EditorAction {
    return this.at >= this.chars.length ? NONE : this.cut(this.at, this.at + 1);
  }

  private cut(from: number, to: number): EditorAction {
    if (to <= from) return NONE;
    this.chars.splice(from, to - from);
    this.at = from;
    return CHANGED;
  }

  /** Start of the word before the cursor (spaces before it included, like a shell's Ctrl-W). */
  private wordStart(): number {
    let i = this.at;
    while (i > 0 && this.chars[i - 1] === ' ') i--;
    while (i > 0 && this.chars[i - 1] !== ' ') i--;
    return i;
  }

  private recall(step: -1 | 1): EditorAction {
    const next = this.browsing + step;
    if (next < 0 || next > this.history.length) return NONE;
    if (this.browsing === this.history.length) this.draft = this.chars;
    this.browsing = next;
    this.chars = next === this.history.length ? this.draft : graphemes(this.history[next] ?? '');
    this.at = this.chars.length;
    return CHANGED;
  }
}
