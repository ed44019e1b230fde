import type { SessionRequest } from '../../../machines/session.machine.js';
import type { WireError } from '../../protocol/error-codes.js';
import type { RequestMessage } from '../../protocol/messages.js';
import { validateUserName } from '../../shared/user-name.js';
import type { CommandContext } from '../services.js';
import type { Result } from 'neverthrow';
import { toWireError, type CommandError } from './command-error.js';
import { findCommand, type HandlerSpec } from './command-table.js';

// The session machine carries the looked-up handler to `serve`, typed as the table's spec.
declare module '../../../machines/session.machine.js' {
  interface SessionCommandRegistry {
    command: HandlerSpec;
  }
}

/** Where a dispatched command's answer goes: the connection that asked. */
export interface ReplyPort {
  reply(requestId: number, data?: unknown): void;
  replyError(requestId: number, error: WireError): void;
  /** A bug, not an expected failure: logged, answered INTERNAL, the connection keeps serving. */
  internalError(requestId: number, bug: unknown): void;
  /** Counts a running command, so draining can wait for its answer (and back-pressure see it). */
  began(): void;
  /** The command counted by `began` has been answered. */
  answered(): void;
}

const MAX_USERNAME_LENGTH = 256;
const PORT_DIGITS = /^\d+$/;

/**
 * The one dispatcher, first half: a request becomes the session machine's event. The command
 * table is consulted once, here: unknown command, then arity (login state is the machine's to
 * check, in the order the requests were sent), then the login steps' own argument checks.
 */
export function toSessionEvent({ id, cmd, args }: RequestMessage): SessionRequest {
  const spec = findCommand(cmd);
  if (!spec)
    return {
      type: 'REQUEST',
      step: 'invalid',
      requestId: id,
      code: 'UNKNOWN_COMMAND',
      needsLogin: null,
    };
  const invalid: SessionRequest = {
    type: 'REQUEST',
    step: 'invalid',
    requestId: id,
    code: 'BAD_ARGUMENTS',
    needsLogin: spec.needsLogin,
  };
  if (args.length < spec.minArgs || args.length > spec.maxArgs) return invalid;
  if (spec.kind === 'handler')
    return { type: 'REQUEST', step: 'command', requestId: id, command: spec, args };
  switch (spec.name) {
    case 'username': {
      const username = args[0] ?? '';
      if (username === '' || username.length > MAX_USERNAME_LENGTH) return invalid;
      if (validateUserName(username).isErr()) return { ...invalid, code: 'USER_NAME_BIDI_CONTROL' };
      return { type: 'REQUEST', step: 'username', requestId: id, username };
    }
    case 'password': {
      const port = args[1] ?? '';
      const udpPort = Number(port);
      if (!PORT_DIGITS.test(port) || udpPort < 1 || udpPort > 65535) return invalid;
      return { type: 'REQUEST', step: 'password', requestId: id, password: args[0] ?? '', udpPort };
    }
    case 'logout':
      return { type: 'REQUEST', step: 'logout', requestId: id };
  }
}

/** What a request made before login is answered (a login step out of turn is the machine's OUT_OF_ORDER). */
export function refusalBeforeLogin(request: SessionRequest): WireError {
  if (request.step === 'invalid')
    return { code: request.needsLogin ? 'NOT_LOGGED_IN' : request.code };
  return { code: 'NOT_LOGGED_IN' };
}

/** A handler's result becomes the response; a reply that throws is a bug, answered INTERNAL. */
function answer(port: ReplyPort, requestId: number, result: Result<unknown, CommandError>): void {
  try {
    if (result.isOk()) port.reply(requestId, result.value);
    else port.replyError(requestId, toWireError(result.error));
  } catch (bug) {
    port.internalError(requestId, bug);
  }
  port.answered();
}

/**
 * The one dispatcher, second half: a logged-in user's request (the machine has checked the login
 * state and the command rate) runs its handler, and the result becomes the response.
 */
export function serve(request: SessionRequest, session: CommandContext, port: ReplyPort): void {
  const { requestId } = request;
  switch (request.step) {
    case 'command': {
      // One promise per command here (not a chain of match, catch and a tracker).
      port.began();
      request.command.run(session, request.args).then(
        (result) => answer(port, requestId, result),
        (bug: unknown) => {
          port.internalError(requestId, bug);
          port.answered();
        },
      );
      return;
    }
    case 'invalid':
      return port.replyError(requestId, {
        code: request.needsLogin === false ? 'ALREADY_AUTHENTICATED' : request.code,
      });
    case 'username':
    case 'password':
      return port.replyError(requestId, { code: 'ALREADY_AUTHENTICATED' });
    case 'logout':
      // The machine turns a logout into its own transition; reaching here is a bug.
      return port.internalError(requestId, new Error('logout reached the command dispatcher'));
  }
}
