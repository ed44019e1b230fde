import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import { validateGroupName } from '../../shared/group-name.js';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';

/**
 * `/creategroup G U1 [U2 …]`: every invitee must exist and be active; the group and its log file
 * are created together or not at all.
 */
export function creategroup({ username, services }: CommandContext, [name = '', ...named]: string[]): ResultAsync<{ group: string; members: string[] }, CommandError> {
  const checked = validateGroupName(name);
  if (checked.isErr()) return errAsync(checked.error);
  const invitees = [...new Set(named.filter((u) => u !== username))];
  if (invitees.length === 0) return errAsync({ type: 'GroupNeedsMembers' });
  for (const user of invitees) {
    if (!services.credentials.has(user)) return errAsync({ type: 'GroupMemberUnknown', user });
  }
  return ResultAsync.fromSafePromise(Promise.all(invitees.map((u) => services.presence.find(u))))
    .andThen((found) => {
      const offline = invitees.find((_, i) => found[i] === undefined);
      return offline === undefined ? okAsync(undefined) : errAsync<undefined, CommandError>({ type: 'GroupMemberOffline', user: offline });
    })
    .andThen(() => ResultAsync.fromSafePromise(services.groups.create(name, username, invitees)))
    .andThen((created) => (created ? okAsync(undefined) : errAsync<undefined, CommandError>({ type: 'GroupExists', group: name })))
    .andThen(() =>
      services.groupLogs.open(name).orElse(() =>
        ResultAsync.fromSafePromise(services.groups.remove(name)).andThen(() => errAsync<never, CommandError>({ type: 'StorageFailed' })),
      ),
    )
    .map(() => {
      const members = [username, ...invitees];
      services.console.line(`${username} created group chat ${name}: ${members.join(', ')}`);
      return { group: name, members };
    });
}
