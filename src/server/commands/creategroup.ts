import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { encodeEventFrame } from '../../protocol/messages.js';
import { validateGroupName } from '../../shared/group-name.js';
import { validateUserName } from '../../shared/user-name.js';
import type { CommandData } from '../../protocol/catalogue.js';
import type { CommandContext } from '../services.js';
import type { ActiveUser } from '../state/presence.js';
import { fromBackendError, fromState } from './backend.js';
import type { CommandError } from './command-error.js';
import { printableName } from '../printable-name.js';

/**
 * `/creategroup G U1 [U2 …]`: every invitee must exist and be active. The name and a place under
 * `--max-groups` are reserved in one atomic step first, so racing requests can neither exceed
 * the cap nor create a log file they will not use; then the log file is opened, so a group is
 * never visible without its log; then the group is committed (stored before it is answered).
 * A group whose log or record cannot be written is not created at all. Invitees (all online)
 * are told at once with an `invited` event; one who logs out before joining finds it in the
 * login reply's invitations.
 */
export function creategroup(
  { username, services }: CommandContext,
  [name = '', ...named]: string[],
): ResultAsync<CommandData<'creategroup'>, CommandError> {
  const checked = validateGroupName(name);
  if (checked.isErr()) return errAsync(checked.error);
  const invitees = [...new Set(named.filter((u) => u !== username))];
  if (invitees.length === 0) return errAsync({ type: 'GroupNeedsMembers' });
  for (const user of invitees) {
    if (validateUserName(user).isErr()) return errAsync({ type: 'UserNameBidiControl' });
    if (!services.credentials.has(user)) return errAsync({ type: 'GroupMemberUnknown', user });
  }
  let online: Array<ActiveUser | undefined> = [];
  return fromState(services.presence.findMany(invitees))
    .andThen((found) => {
      online = found;
      const offline = invitees.find((_, i) => found[i] === undefined);
      return offline === undefined
        ? okAsync(undefined)
        : errAsync<undefined, CommandError>({ type: 'GroupMemberOffline', user: offline });
    })
    .andThen(() =>
      services.groups.reserve(name, services.maxGroups).mapErr((e): CommandError => {
        if (e.type === 'GroupExists') return { type: 'GroupExists', group: name };
        if (e.type === 'TooManyGroups') return { type: 'TooManyGroups', limit: services.maxGroups };
        return fromBackendError(e);
      }),
    )
    .andThen((reservation) =>
      services.groupLogs
        .open(name)
        .mapErr((): CommandError => ({ type: 'StorageFailed' }))
        .orElse((e) =>
          fromState(reservation.release()).andThen(() => errAsync<never, CommandError>(e)),
        )
        .andThen(() => fromState(reservation.commit(username, invitees))),
    )
    .map(() => {
      const members = [username, ...invitees];
      services.console.line(
        `${printableName(username)} created group chat ${name}: ${members.map(printableName).join(', ')}`,
      );
      const invitation = encodeEventFrame({ t: 'ev', ev: 'invited', group: name, by: username });
      services.delivery.deliverMany(
        online.filter((invitee) => invitee !== undefined),
        invitation,
      );
      return { group: name, members };
    });
}
