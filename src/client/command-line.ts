import { err, ok, type Result } from 'neverthrow';

/** A command as typed, split into its fixed arguments and (for some) a free-text tail. */
export interface ParsedCommand {
  name: CommandName;
  args: string[];
}

export type CommandName = 'msgto' | 'activeuser' | 'creategroup' | 'joingroup' | 'groupmsg' | 'logout' | 'p2pvideo';

export type CommandLineError = { type: 'InvalidCommand' } | { type: 'Usage'; usage: string } | { type: 'GroupNeedsMembers' };

interface Shape {
  /** Fixed single-word arguments. */
  fixed: number;
  /** What follows them: nothing, free text (may hold spaces), or one-or-more words. */
  tail: 'none' | 'text' | 'words';
  usage: string;
}

export const CLIENT_COMMANDS: Record<CommandName, Shape> = {
  msgto: { fixed: 1, tail: 'text', usage: 'Usage: /msgto USERNAME MESSAGE' },
  activeuser: { fixed: 0, tail: 'none', usage: 'Usage: /activeuser' },
  creategroup: { fixed: 1, tail: 'words', usage: 'Usage: /creategroup GROUPNAME USERNAME [USERNAME ...]' },
  joingroup: { fixed: 1, tail: 'none', usage: 'Usage: /joingroup GROUPNAME' },
  groupmsg: { fixed: 1, tail: 'text', usage: 'Usage: /groupmsg GROUPNAME MESSAGE' },
  logout: { fixed: 0, tail: 'none', usage: 'Usage: /logout' },
  p2pvideo: { fixed: 2, tail: 'none', usage: 'Usage: /p2pvideo USERNAME FILENAME' },
};

export const COMMAND_NAMES = Object.keys(CLIENT_COMMANDS).map((name) => `/${name}`);

const isCommandName = (name: string): name is CommandName => Object.hasOwn(CLIENT_COMMANDS, name);

/**
 * Parses one typed line (SPEC §4). Arity is checked here, so a wrong count never reaches the
 * server. Message text is everything after the fixed arguments, kept as typed.
 */
export function parseCommandLine(line: string): Result<ParsedCommand, CommandLineError> {
  const match = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(line.trim() === '' ? '' : line.replace(/^\s+/, ''));
  if (!match || !isCommandName(match[1] ?? '')) return err({ type: 'InvalidCommand' });
  const name = match[1] as CommandName;
  const shape = CLIENT_COMMANDS[name];
  let rest = match[2] ?? '';
  const args: string[] = [];
  for (let i = 0; i < shape.fixed; i++) {
    const word = /^(\S+)(?:\s+([\s\S]*))?$/.exec(rest);
    if (!word) return err({ type: 'Usage', usage: shape.usage });
    args.push(word[1] ?? '');
    rest = word[2] ?? '';
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
      const words = rest.split(/\s+/).filter((w) => w !== '');
      if (words.length === 0) return err(name === 'creategroup' ? { type: 'GroupNeedsMembers' } : { type: 'Usage', usage: shape.usage });
      args.push(...words);
      break;
    }
  }
  return ok({ name, args });
}
