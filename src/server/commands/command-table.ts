import type { ResultAsync } from 'neverthrow';
import type { CommandData, CommandName } from '../../protocol/catalogue.js';
import type { CommandContext } from '../services.js';
import { activeuser } from './activeuser.js';
import type { CommandError } from './command-error.js';
import { creategroup } from './creategroup.js';
import { groupmsg } from './groupmsg.js';
import { joingroup } from './joingroup.js';
import { msgto } from './msgto.js';
import { p2pvideo } from './p2pvideo.js';

/** Commands answered by a handler (the others are login steps the session machine handles). */
export type HandlerCommand = Exclude<CommandName, 'username' | 'password' | 'logout'>;

/** A handler's success data is its command's data in the protocol catalogue. */
export type Handler<C extends HandlerCommand = HandlerCommand> = (
  context: CommandContext,
  args: string[],
) => ResultAsync<CommandData<C>, CommandError>;

/**
 * Every command the server understands. `session` commands move the session machine (login,
 * logout); `handler` commands run while it is active. The dispatcher (dispatcher.ts) checks arity
 * here and the session machine the login state, before anything runs, so handlers can rely on
 * their argument count.
 */
export interface HandlerSpec {
  kind: 'handler';
  name: HandlerCommand;
  minArgs: number;
  maxArgs: number;
  needsLogin: true;
  run: Handler;
}
export type CommandSpec =
  | {
      kind: 'session';
      name: 'username' | 'password' | 'logout';
      minArgs: number;
      maxArgs: number;
      needsLogin: boolean;
    }
  | HandlerSpec;

// Bounded by the frame size too; 1,000 names is a large room for a terminal chat.
export const MAX_GROUP_INVITEES = 1000;

/** A table row whose handler is checked against its command's entry in the catalogue. */
function handler<C extends HandlerCommand>(
  name: C,
  minArgs: number,
  maxArgs: number,
  run: Handler<C>,
): HandlerSpec {
  return { kind: 'handler', name, minArgs, maxArgs, needsLogin: true, run };
}

export const COMMANDS: readonly CommandSpec[] = [
  { kind: 'session', name: 'username', minArgs: 1, maxArgs: 1, needsLogin: false },
  { kind: 'session', name: 'password', minArgs: 2, maxArgs: 2, needsLogin: false },
  { kind: 'session', name: 'logout', minArgs: 0, maxArgs: 0, needsLogin: true },
  handler('msgto', 2, 2, msgto),
  handler('activeuser', 0, 0, activeuser),
  handler('creategroup', 1, 1 + MAX_GROUP_INVITEES, creategroup),
  handler('joingroup', 1, 1, joingroup),
  handler('groupmsg', 2, 2, groupmsg),
  handler('p2pvideo', 3, 3, p2pvideo),
];

const BY_NAME = new Map<string, CommandSpec>(COMMANDS.map((c) => [c.name, c]));

export const findCommand = (name: string): CommandSpec | undefined => BY_NAME.get(name);
