import { errAsync, ResultAsync } from 'neverthrow';
import { validateMessageText } from '../../shared/message-text.js';
import { encodeEventFrame } from '../../protocol/messages.js';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';

export interface MessageSent {
  ts: string;
}

/** `/msgto USER TEXT`: logged first, then delivered, then acknowledged with the logged time. */
export function msgto({ username, services }: CommandContext, [to, text]: string[]): ResultAsync<MessageSent, CommandError> {
  const receiver = to ?? '';
  const checked = validateMessageText(text ?? '', services.maxMessageLength);
  if (checked.isErr()) return errAsync(checked.error);
  if (receiver === username) return errAsync({ type: 'SelfTarget' });
  if (!services.credentials.has(receiver)) return errAsync({ type: 'UnknownUser', user: receiver });
  const message = checked.value;
  return ResultAsync.fromSafePromise(services.presence.find(receiver)).andThen((active) => {
    if (!active) return errAsync<MessageSent, CommandError>({ type: 'UserOffline', user: receiver });
    return services.messageLog
      .append((n, ts) => `${n}; ${ts}; ${receiver}; ${message}`)
      .mapErr((): CommandError => ({ type: 'StorageFailed' }))
      .map(({ ts }) => {
        active.deliver(encodeEventFrame({ t: 'ev', ev: 'private', from: username, text: message, ts }));
        services.console.line(`${username} message to ${receiver} "${message}" at ${ts}.`);
        return { ts };
      });
  });
}
