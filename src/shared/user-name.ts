import { err, ok, type Result } from 'neverthrow';
import { hasBidiControl } from './unicode-safety.js';

export type UserNameError = { type: 'UserNameBidiControl' };

/**
 * What every user name must be wherever it is typed (login, /msgto, /creategroup, /p2pvideo)
 * and in credentials.txt: free of bidirectional controls, so no name can display as another.
 * Whether the name exists is decided elsewhere.
 */
export function validateUserName(name: string): Result<string, UserNameError> {
  return hasBidiControl(name) ? err({ type: 'UserNameBidiControl' }) : ok(name);
}
