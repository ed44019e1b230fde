import { ResultAsync } from 'neverthrow';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';

export interface ActiveUserRow {
  user: string;
  address: string;
  udpPort: number;
  since: string;
}

/** `/activeuser`: everyone active except the asker, in login order. */
export function activeuser({ username, services }: CommandContext): ResultAsync<{ users: ActiveUserRow[] }, CommandError> {
  services.console.line(`${username} issued /activeuser command`);
  return ResultAsync.fromSafePromise(services.presence.list()).map((users) => ({
    users: users
      .filter((u) => u.username !== username)
      .map((u) => ({ user: u.username, address: u.address, udpPort: u.udpPort, since: u.since })),
  }));
}
