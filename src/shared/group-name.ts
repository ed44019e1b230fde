import { err, ok, type Result } from 'neverthrow';
import { hasBidiControl } from './unicode-safety.js';

export const MAX_GROUP_NAME_LENGTH = 32;
const GROUP_NAME = /^[A-Za-z0-9]+$/;

export type GroupNameError =
  { type: 'GroupNameInvalid'; limit: number } | { type: 'GroupNameBidiControl' };

/**
 * SPEC §4: letters and digits only; the length cap also keeps `<group>_messagelog.txt` a sane
 * file name. A bidirectional control gets its own error: it is invisible, so "use letters and
 * digits" would puzzle someone whose name looks like letters and digits.
 */
export function validateGroupName(name: string): Result<string, GroupNameError> {
  if (hasBidiControl(name)) return err({ type: 'GroupNameBidiControl' });
  return GROUP_NAME.test(name) && name.length <= MAX_GROUP_NAME_LENGTH
    ? ok(name)
    : err({ type: 'GroupNameInvalid', limit: MAX_GROUP_NAME_LENGTH });
}
