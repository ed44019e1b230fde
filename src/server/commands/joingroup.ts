import type { ResultAsync } from 'neverthrow';
import { fromBackend } from './backend.js';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';

/** `/joingroup G`: an invited member becomes a joined one. */
export function joingroup({ username, services }: CommandContext, [group = '']: string[]): ResultAsync<{ group: string }, CommandError> {
  return fromBackend(services.groups.join(group, username))
    .andThen((result) => result.mapErr((e): CommandError => ({ type: e.type, group })))
    .map(() => {
      services.console.line(`${username} joined group chat ${group}`);
      return { group };
    });
}
