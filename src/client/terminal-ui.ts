import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { COMMAND_NAMES } from './command-line.js';

export interface TerminalStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}

export type Tone = 'plain' | 'incoming' | 'error' | 'notice';

const COLOURS: Record<Tone, [string, string]> = {
  plain: ['', ''],
  incoming: ['\x1b[36m', '\x1b[39m'],
  error: ['\x1b[31m', '\x1b[39m'],
  notice: ['\x1b[2m', '\x1b[22m'],
};

/**
 * The terminal: one readline interface for the whole run, so history (up/down), tab completion
 * and line editing work, and lines printed while the user types are drawn above the prompt with
 * the half-typed line redrawn. From a pipe it reads plain lines and prints plain text.
 */
export class TerminalUI {
  private readonly rl: Interface;
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;
  private muted = false;
  private prompting = false;
  private readonly colour: boolean;
  private readonly interactive: boolean;
  /** Names seen (users, groups) for tab completion. */
  readonly knownNames = new Set<string>();
  private interruptHandler: () => void = () => {};

  constructor(private readonly streams: TerminalStreams) {
    const env = streams.env ?? process.env;
    this.interactive = streams.input.isTTY === true && streams.output.isTTY === true;
    this.colour = streams.output.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
    const { output } = streams;
    const proxy = new Writable({
      write: (chunk, encoding, callback) => {
        if (!this.muted) output.write(chunk, encoding);
        callback();
      },
    });
    this.rl = createInterface({
      input: streams.input,
      output: proxy,
      terminal: this.interactive,
      historySize: 200,
      completer: (line: string) => this.complete(line),
    });
    this.rl.on('line', (line) => {
      const resolve = this.waiting;
      this.waiting = undefined;
      if (resolve) resolve(line);
      else this.lines.push(line);
    });
    this.rl.on('close', () => {
      this.ended = true;
      this.waiting?.(undefined);
      this.waiting = undefined;
    });
    this.rl.on('SIGINT', () => this.interruptHandler());
  }

  onInterrupt(handler: () => void): void {
    this.interruptHandler = handler;
  }

  /** Shows `prompt` and resolves with the next line, or undefined at end of input (Ctrl-D, EOF). */
  ask(prompt: string, options: { secret?: boolean } = {}): Promise<string | undefined> {
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    this.prompting = true;
    const queued = this.lines.shift();
    if (queued !== undefined) {
      this.endPromptLine();
      return Promise.resolve(queued);
    }
    if (this.ended) {
      this.endPromptLine();
      return Promise.resolve(undefined);
    }
    this.muted = options.secret === true && this.interactive;
    return new Promise((resolve) => {
      this.waiting = (line) => {
        if (this.muted) {
          this.muted = false;
          this.streams.output.write('\n');
        }
        this.endPromptLine();
        resolve(line);
      };
    });
  }

  /** Prints a line above the prompt without disturbing what the user is typing. */
  print(text: string, tone: Tone = 'plain'): void {
    const [start, end] = this.colour ? COLOURS[tone] : ['', ''];
    const line = `${start}${text}${end}`;
    if (this.interactive && this.prompting && !this.muted) {
      clearLine(this.streams.output, 0);
      cursorTo(this.streams.output, 0);
      this.streams.output.write(`${line}\n`);
      this.rl.prompt(true);
    } else if (!this.interactive && this.prompting) {
      // A pipe has no cursor: end the prompt's line so the printed text starts on its own.
      this.endPromptLine();
      this.streams.output.write(`${line}\n`);
    } else {
      this.streams.output.write(`${line}\n`);
    }
  }

  /** From a pipe nothing echoes the answer, so the prompt's line is ended by hand. */
  private endPromptLine(): void {
    if (!this.interactive && this.prompting) this.streams.output.write('\n');
    this.prompting = false;
  }

  get isInteractive(): boolean {
    return this.interactive;
  }

  /** Writes raw text on the current line (progress bars), only on a terminal. */
  status(text: string): void {
    if (!this.interactive) return;
    clearLine(this.streams.output, 0);
    cursorTo(this.streams.output, 0);
    this.streams.output.write(text);
  }

  private complete(line: string): [string[], string] {
    const words = line.split(' ');
    const current = words[words.length - 1] ?? '';
    const candidates = words.length === 1 ? COMMAND_NAMES : [...this.knownNames].sort();
    const hits = candidates.filter((c) => c.startsWith(current));
    return [hits.length > 0 ? hits : candidates, current];
  }

  close(): void {
    this.rl.close();
  }
}
