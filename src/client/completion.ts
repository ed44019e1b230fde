// Tab completion, decided by where the cursor is: the first word is a command, and each command
// says what its arguments are (a user, a group). Pure: the names come from the caller.
import { COMMAND_NAMES } from './command-line.js';

export type WordKind = 'command' | 'user' | 'group' | 'none';

export interface NameSource {
  users(): readonly string[];
  groups(): readonly string[];
}

export interface Completion {
  /** What the word before the cursor is. */
  readonly kind: WordKind;
  /** The word being completed (as typed). */
  readonly word: string;
  /** Text that replaces `word`: the unique match and a space, or the longest common start. */
  readonly replacement: string;
  /** Every match, sorted (shown to the user when there is more than one). */
  readonly matches: readonly string[];
}

/** What each argument position holds, per command; later positions repeat the last entry only for /creategroup. */
const ARGUMENTS: Record<string, readonly WordKind[]> = {
  '/msgto': ['user', 'none'],
  '/creategroup': ['none', 'user'],
  '/joingroup': ['group', 'none'],
  '/groupmsg': ['group', 'none'],
  '/p2pvideo': ['user', 'none'],
};
const REPEATS = new Set(['/creategroup']);

/** The kind of word at the end of `beforeCursor`. */
export function wordKindAt(beforeCursor: string): WordKind {
  const words = beforeCursor.replace(/^\s+/, '').split(/\s+/);
  if (words.length <= 1) return 'command';
  const command = words[0] ?? '';
  const kinds = ARGUMENTS[command];
  if (!kinds) return 'none';
  const position = words.length - 2;
  const kind = kinds[position] ?? (REPEATS.has(command) ? kinds.at(-1) : undefined);
  return kind ?? 'none';
}

const commonStart = (words: readonly string[]): string => {
  let start = words[0] ?? '';
  for (const w of words) while (!w.startsWith(start)) start = start.slice(0, -1);
  return start;
};

/** Completes the word before the cursor; `matches` is empty when nothing fits. */
export function complete(beforeCursor: string, names: NameSource): Completion {
  const kind = wordKindAt(beforeCursor);
  const word = /\S*$/.exec(beforeCursor)?.[0] ?? '';
  const pool =
    kind === 'command'
      ? COMMAND_NAMES
      : kind === 'user'
        ? names.users()
        : kind === 'group'
          ? names.groups()
          : [];
  const matches = [...new Set(pool.filter((name) => name.startsWith(word)))].sort();
  if (matches.length === 1) return { kind, word, replacement: `${matches[0]} `, matches };
  return { kind, word, replacement: matches.length > 0 ? commonStart(matches) : word, matches };
}
