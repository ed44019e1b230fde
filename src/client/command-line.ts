import { err, ok, type Result } from 'neverthrow';

/** A command as typed, split into its fixed arguments and (for some) a free-text tail. */
export interface ParsedCommand {
  name: CommandName;
  args: string[];
}

export type CommandName =
  | 'msgto'
  | 'activeuser'
  | 'creategroup'
  | 'joingroup'
  | 'groupmsg'
  | 'logout'
  | 'p2pvideo'
  | 'help';

export type CommandLineError =
  | { type: 'InvalidCommand' }
  | { type: 'Usage'; usage: string }
  | { type: 'GroupNeedsMembers' }
  | { type: 'UnclosedQuote' };

interface Shape {
  /** Fixed single-word arguments. */
  fixed: number;
  /** What follows them: nothing, free text (may hold spaces), or one-or-more words. */
  tail: 'none' | 'text' | 'words';
  usage: string;
  /** One line for /help. */
  summary: string;
}

export const CLIENT_COMMANDS: Record<CommandName, Shape> = {
  msgto: {
    fixed: 1,
    tail: 'text',
    usage: 'Usage: /msgto USERNAME MESSAGE',
    summary: 'send a private message',
  },
  activeuser: {
    fixed: 0,
    tail: 'none',
    usage: 'Usage: /activeuser',
    summary: 'list the other users online',
  },
  creategroup: {
    fixed: 1,
    tail: 'words',
    usage: 'Usage: /creategroup GROUPNAME USERNAME [USERNAME ...]',
    summary: 'create a group chat and invite users who are online',
  },
  joingroup: {
    fixed: 1,
    tail: 'none',
    usage: 'Usage: /joingroup GROUPNAME',
    summary: 'join a group chat you were invited to',
  },
  groupmsg: {
    fixed: 1,
    tail: 'text',
    usage: 'Usage: /groupmsg GROUPNAME MESSAGE',
    summary: 'send a message to a group chat you joined',
  },
  p2pvideo: {
    fixed: 2,
    tail: 'none',
    usage: 'Usage: /p2pvideo USERNAME FILENAME',
    summary: 'send a file directly to a user (quote names with spaces: "my file.mp4")',
  },
  logout: { fixed: 0, tail: 'none', usage: 'Usage: /logout', summary: 'log out and quit' },
  help: { fixed: 0, tail: 'none', usage: 'Usage: /help', summary: 'show this list' },
};

/** The lines /help prints: every command with its arguments, and below it what it does (short lines read well at any width). */
export const HELP_LINES: readonly string[] = Object.values(CLIENT_COMMANDS).flatMap(
  ({ usage, summary }) => [`  ${usage.replace(/^Usage: /, '')}`, `      ${summary}`],
);

export const COMMAND_NAMES = Object.keys(CLIENT_COMMANDS).map((name) => `/${name}`);

const isCommandName = (name: string): name is CommandName => Object.hasOwn(CLIENT_COMMANDS, name);

const SPACE = /\s/;

/**
 * Takes one word from the start of `rest` (which starts with a non-space), shell-like: "double
 * quotes" (where \" and \\ are escapes), 'single quotes' (literal) and backslash escapes
 * outside quotes (`my\ file.mp4`) let a word hold spaces. Undefined when a quote is not closed.
 */
function takeWord(rest: string): { word: string; rest: string } | undefined {
  let word = '';
  let i = 0;
  while (i < rest.length && !SPACE.test(rest[i] ?? '')) {
    const c = rest[i] ?? '';
    if (c === '\\' && i + 1 < rest.length) {
      word += rest[i + 1];
      i += 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      for (; j < rest.length && rest[j] !== c; j++) {
        if (c === '"' && rest[j] === '\\' && (rest[j + 1] === '"' || rest[j + 1] === '\\')) j++;
        word += rest[j];
      }
      if (j >= rest.length) return undefined;
      i = j + 1;
    } else {
      word += c;
      i++;
    }
  }
  return { word, rest: rest.slice(i).replace(/^\s+/, '') };
}

/** A word as it can be typed back: quoted when it holds spaces, quotes or backslashes. */
export const quoteWord = (word: string): string =>
  word !== '' && !/[\s"'\\]/.test(word) ? word : `"${word.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * Parses one typed line (SPEC §4). Arity is checked here, so a wrong count never reaches the
 * server. Message text is everything after the fixed arguments, kept as typed; the fixed
 * arguments and word lists may be quoted (see takeWord).
 */
export function parseCommandLine(line: string): Result<ParsedCommand, CommandLineError> {
  const match = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(
    line.trim() === '' ? '' : line.replace(/^\s+/, ''),
  );
  if (!match || !isCommandName(match[1] ?? '')) return err({ type: 'InvalidCommand' });
  const name = match[1] as CommandName;
  const shape = CLIENT_COMMANDS[name];
  let rest = match[2] ?? '';
  const args: string[] = [];
  for (let i = 0; i < shape.fixed; i++) {
    if (rest === '' || SPACE.test(rest[0] ?? '')) return err({ type: 'Usage', usage: shape.usage });
    const taken = takeWord(rest);
    if (!taken) return err({ type: 'UnclosedQuote' });
    if (taken.word === '') return err({ type: 'Usage', usage: shape.usage });
    args.push(taken.word);
    rest = taken.rest;
  }
  switch (shape.tail) {
    case 'none':
      if (rest.trim() !== '') return err({ type: 'Usage', usage: shape.usage });
      break;
    case 'text':
      if (rest.trim() === '') return err({ type: 'Usage', usage: shape.usage });
      args.push(rest);
      break;
    case 'words': {
      const words: string[] = [];
      for (let left = rest.replace(/^\s+/, ''); left !== '';) {
        const taken = takeWord(left);
        if (!taken) return err({ type: 'UnclosedQuote' });
        if (taken.word !== '') words.push(taken.word);
        left = taken.rest;
      }
      if (words.length === 0)
        return err(
          name === 'creategroup'
            ? { type: 'GroupNeedsMembers' }
            : { type: 'Usage', usage: shape.usage },
        );
      args.push(...words);
      break;
    }
  }
  return ok({ name, args });
}
