import { errAsync, type ResultAsync } from 'neverthrow';
import { hasBidiControl } from '../../shared/unicode-safety.js';
import { fromBackendError, isBackendError } from './backend.js';
import type { CommandData } from '../../protocol/catalogue.js';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';
import { printableName } from '../printable-name.js';

/** `/joingroup G`: an invited member becomes a joined one. */
export function joingroup(
  { username, services }: CommandContext,
  [group = '']: string[],
): ResultAsync<CommandData<'joingroup'>, CommandError> {
  if (hasBidiControl(group)) return errAsync({ type: 'GroupNameBidiControl' });
  return services.groups
    .join(group, username)
    .mapErr((e): CommandError =>
      isBackendError(e) ? fromBackendError(e) : { type: e.type, group },
    )
    .map(() => {
      services.console.line(`${printableName(username)} joined group chat ${group}`);
      return { group };
    });
}
