import type { ResultAsync } from 'neverthrow';
import { fromState } from './backend.js';
import type { CommandData } from '../../protocol/catalogue.js';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';
import { printableName } from '../printable-name.js';

/** `/activeuser`: everyone active except the asker, in login order. */
export function activeuser({
  username,
  services,
}: CommandContext): ResultAsync<CommandData<'activeuser'>, CommandError> {
  services.console.line(`${printableName(username)} issued /activeuser command`);
  return fromState(services.presence.list()).map((users) => ({
    users: users
      .filter((u) => u.username !== username)
      .map((u) => ({ user: u.username, address: u.address, udpPort: u.udpPort, since: u.since })),
  }));
}
