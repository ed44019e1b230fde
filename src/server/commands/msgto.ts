import { err, ok, type Result, type ResultAsync } from 'neverthrow';
import { fromBackendError, settled } from './backend.js';
import { encodeEventFrame } from '../../protocol/messages.js';
import { validateMessageText } from '../../shared/message-text.js';
import { validateUserName } from '../../shared/user-name.js';
import type { CommandData } from '../../protocol/catalogue.js';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';
import { printableName } from '../printable-name.js';

type MessageSent = CommandData<'msgto'>;

/** `/msgto USER TEXT`: logged first, then delivered, then acknowledged with the logged time. */
export function msgto(
  context: CommandContext,
  args: string[],
): ResultAsync<MessageSent, CommandError> {
  return settled(sendPrivate(context, args));
}

// The hottest command: one async function rather than a chain of ResultAsync steps, which
// allocates a promise per step.
async function sendPrivate(
  { username, services }: CommandContext,
  [to = '', text = '']: string[],
): Promise<Result<MessageSent, CommandError>> {
  const checked = validateMessageText(text, services.maxMessageLength);
  if (checked.isErr()) return err(checked.error);
  if (validateUserName(to).isErr()) return err({ type: 'UserNameBidiControl' });
  if (to === username) return err({ type: 'SelfTarget' });
  if (!services.credentials.has(to)) return err({ type: 'UnknownUser', user: to });
  const receiver = await services.presence.find(to);
  if (receiver.isErr()) return err(fromBackendError(receiver.error));
  if (!receiver.value) return err({ type: 'UserOffline', user: to });
  const message = checked.value;
  const logged = await services.messageLog.append((n, ts) => `${n}; ${ts}; ${to}; ${message}`);
  if (logged.isErr()) return err({ type: 'StorageFailed' });
  const { ts } = logged.value;
  // Delivered where presence found the receiver (in a cluster: its node).
  services.delivery.deliverMany(
    [receiver.value],
    encodeEventFrame({ t: 'ev', ev: 'private', from: username, text: message, ts }),
  );
  services.console.line(
    `${printableName(username)} message to ${printableName(to)} "${message}" at ${ts}.`,
  );
  return ok({ ts });
}
