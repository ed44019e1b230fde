import { createInterface, emitKeypressEvents, type Interface } from 'node:readline';
import { graphemes } from '../terminal/display-width.js';
import { LiveArea, type StatusLine } from '../terminal/live-area.js';
import { LineEditor, type Key } from '../terminal/line-editor.js';
import { safeText } from '../terminal/safe-text.js';
import type { Completion } from './completion.js';

export interface TerminalStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output: NodeJS.WritableStream & {
    isTTY?: boolean;
    columns?: number;
    getWindowSize?(): [number, number];
  };
  env?: NodeJS.ProcessEnv;
}

export type Tone = 'plain' | 'incoming' | 'error' | 'notice';

const COLOURS: Record<Tone, [string, string]> = {
  plain: ['', ''],
  incoming: ['\x1b[36m', '\x1b[39m'],
  error: ['\x1b[31m', '\x1b[39m'],
  notice: ['\x1b[2m', '\x1b[22m'],
};

const BRACKETED_PASTE_ON = '\x1b[?2004h';
const BRACKETED_PASTE_OFF = '\x1b[?2004l';

/** Completes the text before the cursor; a promise when names must be fetched first. */
export type Completer = (beforeCursor: string) => Completion | Promise<Completion>;

/**
 * The terminal. On a terminal the client owns the bottom of the screen (LiveArea): progress
 * lines and the prompt with the typed line, laid out for the terminal's width and redrawn whole
 * whenever something is printed above it, the line changes or the window is resized. Keys are
 * decoded by node:readline's emitKeypressEvents and edited by LineEditor; readline's own line
 * drawing is not used because it redraws only the row the cursor is on, which leaves the first
 * rows of a wrapped prompt behind on every message. From a pipe, plain lines are read and
 * plain text printed (scripts and tests drive the client that way).
 */
export class TerminalUI {
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;
  private closed = false;
  private prompt: { text: string; secret: boolean } | undefined;
  private readonly colour: boolean;
  private readonly interactive: boolean;
  private interruptHandler: () => void = () => {};
  private completer: Completer | undefined;
  // Terminal mode.
  private readonly editor = new LineEditor();
  private readonly area: LiveArea | undefined;
  private readonly progress = new Map<string, StatusLine>();
  /** Keys that arrived while a completion was being worked out, applied after it. */
  private heldKeys: Key[] | undefined;
  // Pipe mode.
  private readonly rl: Interface | undefined;

  constructor(private readonly streams: TerminalStreams) {
    const env = streams.env ?? process.env;
    this.interactive = streams.input.isTTY === true && streams.output.isTTY === true;
    this.colour =
      streams.output.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
    if (this.interactive) {
      this.area = new LiveArea(streams.output, (line) => this.paint(line, 'notice'));
      emitKeypressEvents(streams.input);
      streams.input.setRawMode?.(true);
      streams.input.on('keypress', this.onKeypress);
      streams.input.on('end', this.onEnd);
      streams.input.resume();
      streams.output.on('resize', this.onResize);
      // Anything the terminal echoed before raw mode (typing ahead at start) is cleared from the row.
      streams.output.write(`\r\x1b[K${BRACKETED_PASTE_ON}`);
    } else {
      this.rl = createInterface({ input: streams.input, terminal: false });
      this.rl.on('line', (line) => this.deliver(line));
      this.rl.on('close', this.onEnd);
    }
  }

  onInterrupt(handler: () => void): void {
    this.interruptHandler = handler;
  }

  /** Supplies Tab completion (terminal only). */
  setCompleter(completer: Completer): void {
    this.completer = completer;
  }

  get isInteractive(): boolean {
    return this.interactive;
  }

  /** Shows `prompt` and resolves with the next line, or undefined at end of input (Ctrl-D, EOF). */
  ask(prompt: string, options: { secret?: boolean } = {}): Promise<string | undefined> {
    const secret = options.secret === true;
    const queued = this.lines.shift();
    if (queued !== undefined) {
      this.showAnswered(prompt, queued, secret);
      return Promise.resolve(queued);
    }
    if (this.ended || this.closed) {
      if (!this.interactive) this.streams.output.write(`${prompt}\n`);
      return Promise.resolve(undefined);
    }
    this.prompt = { text: prompt, secret };
    if (this.area) this.area.setInput(this.inputView());
    else this.streams.output.write(prompt);
    return new Promise((resolve) => {
      this.waiting = (line) => {
        const asked = this.prompt;
        this.prompt = undefined;
        if (this.area) {
          if (line !== undefined && asked) this.showAnswered(asked.text, line, secret);
          else this.area.setInput(undefined);
        } else if (asked) {
          // From a pipe nothing echoes the answer, so the prompt's line is ended by hand
          // (unless a printed line already ended it).
          this.streams.output.write('\n');
        }
        resolve(line);
      };
    });
  }

  /** Prints a line above the prompt and progress without disturbing what the user is typing. */
  print(text: string, tone: Tone = 'plain'): void {
    if (this.closed) return;
    const line = this.paint(safeText(text), tone);
    if (this.area) return this.area.printAbove([line]);
    if (this.prompt) {
      // A pipe has no cursor: end the prompt's line so the printed text starts on its own.
      this.streams.output.write('\n');
      this.prompt = undefined;
    }
    this.streams.output.write(`${line}\n`);
  }

  /**
   * Shows, replaces or (with undefined) removes the live line `id` (a transfer's progress),
   * drawn for the terminal's width; terminal only.
   */
  setProgress(id: string, line: ((columns: number) => string) | undefined): void {
    if (!this.area || this.closed) return;
    if (line === undefined) {
      if (!this.progress.delete(id)) return;
    } else {
      this.progress.set(id, (columns) => safeText(line(columns)));
    }
    this.area.setStatus([...this.progress.values()]);
  }

  /** Ends the terminal: the live area is removed and the cursor left at the start of an empty line. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ended = true;
    if (this.area) {
      this.area.close();
      this.streams.output.write(BRACKETED_PASTE_OFF);
      this.streams.input.off('keypress', this.onKeypress);
      this.streams.input.off('end', this.onEnd);
      this.streams.output.off('resize', this.onResize);
      this.streams.input.setRawMode?.(false);
      this.streams.input.pause();
    }
    // A question still open ends with undefined; from a pipe that also ends the prompt's line.
    const resolve = this.waiting;
    this.waiting = undefined;
    if (resolve) resolve(undefined);
    else if (this.prompt && !this.area) this.streams.output.write('\n');
    this.prompt = undefined;
    this.rl?.close();
  }

  private paint(text: string, tone: Tone): string {
    const [start, end] = this.colour ? COLOURS[tone] : ['', ''];
    return `${start}${text}${end}`;
  }

  private deliver(line: string): void {
    const resolve = this.waiting;
    this.waiting = undefined;
    if (resolve) resolve(line);
    else this.lines.push(line);
  }

  private readonly onEnd = (): void => {
    this.ended = true;
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.(undefined);
  };

  private readonly onResize = (): void => this.area?.resized();

  /** An answered question stays on screen as a finished line: the prompt and (unless secret) the answer. */
  private showAnswered(prompt: string, answer: string, secret: boolean): void {
    if (!this.area) {
      this.streams.output.write(`${prompt}\n`);
      return;
    }
    const text = graphemes(answer);
    this.area.setInput({ prompt, text, cursor: text.length, secret });
    this.area.commitInput();
  }

  private inputView() {
    return {
      prompt: this.prompt?.text ?? '',
      text: this.editor.graphemes,
      cursor: this.editor.cursor,
      secret: this.prompt?.secret ?? false,
    };
  }

  /** Redraws the input area if a question is shown (typed-ahead text stays hidden until then). */
  private refreshInput(): void {
    if (this.prompt) this.area?.setInput(this.inputView());
  }

  private readonly onKeypress = (_text: string | undefined, key: Key | undefined): void => {
    if (!key || this.closed) return;
    if (this.heldKeys) return void this.heldKeys.push(key);
    this.handleKey(key);
  };

  private handleKey(key: Key): void {
    const action = this.editor.key(key);
    switch (action.type) {
      case 'changed':
        return this.refreshInput();
      case 'redraw':
        return this.area?.redraw();
      case 'submit':
        if (!this.prompt?.secret) this.editor.remember(action.line);
        return this.deliver(action.line);
      case 'interrupt':
        return this.interruptHandler();
      case 'end-of-input':
        return this.onEnd();
      case 'complete':
        return this.startCompletion();
      case 'none':
        return;
    }
  }

  private startCompletion(): void {
    if (!this.completer || this.prompt?.secret) return;
    const result = this.completer(this.editor.beforeCursor);
    if (!(result instanceof Promise)) return this.applyCompletion(result);
    // Names are being fetched: keys typed meanwhile wait, so they land after the completion.
    this.heldKeys = [];
    void result.then(
      (completion) => this.finishCompletion(completion),
      () => this.finishCompletion(undefined),
    );
  }

  private finishCompletion(completion: Completion | undefined): void {
    const held = this.heldKeys ?? [];
    this.heldKeys = undefined;
    if (completion && !this.closed) this.applyCompletion(completion);
    for (const key of held) this.onKeypress(undefined, key);
  }

  private applyCompletion(completion: Completion): void {
    const { word, replacement, matches } = completion;
    if (matches.length === 0) return;
    if (matches.length > 1 && replacement === word)
      this.area?.printAbove([this.paint(matches.map(safeText).join('  '), 'notice')]);
    if (replacement !== word) this.editor.replaceBeforeCursor(graphemes(word).length, replacement);
    this.refreshInput();
  }
}
