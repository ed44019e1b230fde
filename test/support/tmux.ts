// A real terminal for tests: the client runs in a tmux pane of a chosen size, keys are typed
// into it and the whole screen is read back with capture-pane, exactly as a person would see it.
// Each session has its own tmux server (its own socket in a temp dir), so tests never share one.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import { tempDir } from './processes.js';

const run = promisify(execFile);

// Waiting is for screen content, never for time; this only bounds a broken test.
const DEFAULT_WAIT_MS = 15_000;
// How often the screen is read while waiting for something to appear on it.
const POLL_MS = 25;

const live = new Set<TmuxScreen>();
test.after.each(async () => {
  for (const screen of [...live]) await screen.close();
});
process.on('exit', () => {
  for (const screen of live) screen.killNow();
});

export interface TmuxOptions {
  columns: number;
  rows: number;
  cwd: string;
  env?: Record<string, string>;
}

/** Quotes one argument for the POSIX shell tmux runs the command with. */
const sh = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

export class TmuxScreen {
  private constructor(
    private readonly socket: string,
    readonly name: string,
  ) {
    live.add(this);
  }

  /**
   * Runs `argv` in a fresh pane. When the program ends, the pane prints `[exit N]` where a shell
   * prompt would appear (so a test sees whether the program left the cursor on a fresh line) and
   * stays open for capture.
   */
  static async start(argv: readonly string[], options: TmuxOptions): Promise<TmuxScreen> {
    const socket = join(tempDir('tmux'), 'socket');
    const command = `${argv.map(sh).join(' ')}; printf '[exit %s]' "$?"; exec cat >/dev/null`;
    const env = Object.entries({ NO_COLOR: '1', ...options.env }).flatMap(([k, v]) => [
      '-e',
      `${k}=${v}`,
    ]);
    await run('tmux', [
      '-S',
      socket,
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      'test',
      '-x',
      String(options.columns),
      '-y',
      String(options.rows),
      '-c',
      options.cwd,
      ...env,
      command,
    ]);
    const screen = new TmuxScreen(socket, 'test');
    await screen.tmux('set-option', '-g', 'status', 'off');
    await screen.resize(options.columns, options.rows);
    return screen;
  }

  private tmux(...args: string[]): Promise<{ stdout: string }> {
    return run('tmux', ['-S', this.socket, ...args]);
  }

  /** Types text literally (no key names). */
  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', this.name, '-l', text);
  }

  /** Presses keys by tmux name: Enter, Tab, C-c, C-d, Left… */
  async press(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Pastes text as a terminal paste (bracketed when the program asked for it). */
  async paste(text: string): Promise<void> {
    await this.tmux('set-buffer', '-b', 'test', text);
    await this.tmux('paste-buffer', '-p', '-d', '-b', 'test', '-t', this.name);
  }

  async resize(columns: number, rows: number): Promise<void> {
    await this.tmux('resize-window', '-t', this.name, '-x', String(columns), '-y', String(rows));
  }

  /**
   * The whole visible screen (with `history`, the rows scrolled off the top too): rows without
   * trailing spaces, trailing empty rows dropped.
   */
  async screen(options: { history?: boolean } = {}): Promise<string> {
    const { stdout } = await this.tmux(
      'capture-pane',
      '-p',
      ...(options.history ? ['-S', '-'] : []),
      '-t',
      this.name,
    );
    const rows = stdout.split('\n').map((r) => r.trimEnd());
    while (rows.length > 0 && rows.at(-1) === '') rows.pop();
    return rows.join('\n');
  }

  /** The cursor's position on the screen (0-based). */
  async cursor(): Promise<{ row: number; column: number }> {
    const { stdout } = await this.tmux(
      'display-message',
      '-p',
      '-t',
      this.name,
      '#{cursor_y} #{cursor_x}',
    );
    const [row, column] = stdout.trim().split(' ').map(Number);
    return { row: row ?? -1, column: column ?? -1 };
  }

  /** Waits until the screen satisfies `check` (text it shows, or a predicate); returns that screen. */
  async waitFor(
    check: string | RegExp | ((screen: string) => boolean),
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<string> {
    // Text may be wrapped over rows: it is looked for in the rows joined too.
    const test =
      typeof check === 'function'
        ? check
        : (s: string) =>
            typeof check === 'string'
              ? s.includes(check) || s.replace(/\n/g, '').includes(check)
              : check.test(s);
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = await this.screen();
      if (test(last)) return last;
      if (Date.now() > deadline)
        throw new Error(
          `the screen did not show ${String(check)} within ${timeoutMs} ms; it shows:\n${last}`,
        );
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async close(): Promise<void> {
    live.delete(this);
    await this.tmux('kill-server').catch(() => undefined);
  }

  killNow(): void {
    execFile('tmux', ['-S', this.socket, 'kill-server'], () => undefined);
  }
}

/** SPEC timestamps (`01 Jun 2023 15:00:01`) replaced by `TS`, so whole screens can be compared. */
export const withoutTimestamps = (screen: string): string =>
  screen.replace(/\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d/g, 'TS');
