import type { ResultAsync } from 'neverthrow';
import type { CommandContext } from '../services.js';
import { activeuser } from './activeuser.js';
import type { CommandError } from './command-error.js';
import { creategroup } from './creategroup.js';
import { groupmsg } from './groupmsg.js';
import { joingroup } from './joingroup.js';
import { msgto } from './msgto.js';
import { p2pvideo } from './p2pvideo.js';

export type Handler = (context: CommandContext, args: string[]) => ResultAsync<unknown, CommandError>;

/**
 * Every command the server understands. `session` commands move the session machine (login,
 * logout); `handler` commands run while it is active. The dispatcher (dispatcher.ts) checks arity
 * here and the session machine the login state, before anything runs, so handlers can rely on
 * their argument count.
 */
export interface HandlerSpec {
  kind: 'handler';
  name: string;
  minArgs: number;
  maxArgs: number;
  needsLogin: true;
  run: Handler;
}
export type CommandSpec = { kind: 'session'; name: 'username' | 'password' | 'logout'; minArgs: number; maxArgs: number; needsLogin: boolean } | HandlerSpec;

// Bounded by the frame size too; 1,000 names is a large room for a terminal chat.
export const MAX_GROUP_INVITEES = 1000;

export const COMMANDS: readonly CommandSpec[] = [
  { kind: 'session', name: 'username', minArgs: 1, maxArgs: 1, needsLogin: false },
  { kind: 'session', name: 'password', minArgs: 2, maxArgs: 2, needsLogin: false },
  { kind: 'session', name: 'logout', minArgs: 0, maxArgs: 0, needsLogin: true },
  { kind: 'handler', name: 'msgto', minArgs: 2, maxArgs: 2, needsLogin: true, run: msgto },
  { kind: 'handler', name: 'activeuser', minArgs: 0, maxArgs: 0, needsLogin: true, run: activeuser },
  { kind: 'handler', name: 'creategroup', minArgs: 1, maxArgs: 1 + MAX_GROUP_INVITEES, needsLogin: true, run: creategroup },
  { kind: 'handler', name: 'joingroup', minArgs: 1, maxArgs: 1, needsLogin: true, run: joingroup },
  { kind: 'handler', name: 'groupmsg', minArgs: 2, maxArgs: 2, needsLogin: true, run: groupmsg },
  { kind: 'handler', name: 'p2pvideo', minArgs: 3, maxArgs: 3, needsLogin: true, run: p2pvideo },
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

export const findCommand = (name: string): CommandSpec | undefined => BY_NAME.get(name);
