import { errAsync, ResultAsync } from 'neverthrow';
import { validateMessageText } from '../../shared/message-text.js';
import { encodeEventFrame } from '../../protocol/messages.js';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';

/** `/groupmsg G TEXT`: logged, then delivered to every other active joined member. */
export function groupmsg({ username, services }: CommandContext, [group = '', text = '']: string[]): ResultAsync<{ ts: string }, CommandError> {
  return ResultAsync.fromSafePromise(services.groups.find(group)).andThen((found) => {
    if (!found) return errAsync<{ ts: string }, CommandError>({ type: 'GroupNotFound', group });
    const membership = found.members.get(username);
    if (membership === undefined) return errAsync<{ ts: string }, CommandError>({ type: 'NotInvited', group });
    if (membership === 'invited') return errAsync<{ ts: string }, CommandError>({ type: 'NotJoined', group });
    const checked = validateMessageText(text, services.maxMessageLength);
    if (checked.isErr()) return errAsync<{ ts: string }, CommandError>(checked.error);
    const log = services.groupLogs.get(group);
    if (!log) return errAsync<{ ts: string }, CommandError>({ type: 'StorageFailed' });
    const message = checked.value;
    return log
      .append((n, ts) => `${n}; ${ts}; ${username}; ${message}`)
      .mapErr((): CommandError => ({ type: 'StorageFailed' }))
      .andThen(({ ts }) => {
        const recipients = [...found.members]
          .filter(([member, state]) => state === 'joined' && member !== username)
          .map(([member]) => services.presence.find(member));
        return ResultAsync.fromSafePromise(Promise.all(recipients)).map((active) => {
          const frame = encodeEventFrame({ t: 'ev', ev: 'group', group, from: username, text: message, ts });
          for (const user of active) user?.deliver(frame);
          services.console.line(`${username} issued a message in group chat ${group}: "${message}" at ${ts}.`);
          return { ts };
        });
      });
  });
}
