import { err, ok, type Result, type ResultAsync } from 'neverthrow';
import { fromBackendError, settled } from './backend.js';
import { encodeEventFrame } from '../../protocol/messages.js';
import { validateMessageText } from '../../shared/message-text.js';
import { hasBidiControl } from '../../shared/unicode-safety.js';
import type { CommandData } from '../../protocol/catalogue.js';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';
import { printableName } from '../printable-name.js';

/** `/groupmsg G TEXT`: logged, then delivered to every other active joined member. */
export function groupmsg(
  context: CommandContext,
  args: string[],
): ResultAsync<CommandData<'groupmsg'>, CommandError> {
  return settled(sendToGroup(context, args));
}

async function sendToGroup(
  { username, services }: CommandContext,
  [group = '', text = '']: string[],
): Promise<Result<{ ts: string }, CommandError>> {
  if (hasBidiControl(group)) return err({ type: 'GroupNameBidiControl' });
  const lookup = await services.groups.find(group);
  if (lookup.isErr()) return err(fromBackendError(lookup.error));
  const found = lookup.value;
  if (!found) return err({ type: 'GroupNotFound', group });
  const membership = found.members.get(username);
  if (membership === undefined) return err({ type: 'NotInvited', group });
  if (membership === 'invited') return err({ type: 'NotJoined', group });
  const checked = validateMessageText(text, services.maxMessageLength);
  if (checked.isErr()) return err(checked.error);
  const log = await services.groupLogs.open(group);
  if (log.isErr()) return err({ type: 'StorageFailed' });
  const message = checked.value;
  const logged = await log.value.append((n, ts) => `${n}; ${ts}; ${username}; ${message}`);
  if (logged.isErr()) return err({ type: 'StorageFailed' });
  const { ts } = logged.value;
  // One frame for every recipient: the event is encoded once, however large the group.
  const frame = encodeEventFrame({
    t: 'ev',
    ev: 'group',
    group,
    from: username,
    text: message,
    ts,
  });
  const recipients = [...found.members]
    .filter(([member, state]) => state === 'joined' && member !== username)
    .map(([member]) => member);
  const online = await services.presence.findMany(recipients);
  // the message is logged: a presence failure only means nobody is told now (like being offline)
  if (online.isOk())
    services.delivery.deliverMany(
      online.value.filter((active) => active !== undefined),
      frame,
    );
  services.console.line(
    `${printableName(username)} issued a message in group chat ${group}: "${message}" at ${ts}.`,
  );
  return ok({ ts });
}
