import { err, ok, type Result } from 'neverthrow';

export const MAX_GROUP_NAME_LENGTH = 32;
const GROUP_NAME = /^[A-Za-z0-9]+$/;

export type GroupNameError = { type: 'GroupNameInvalid'; limit: number };

/** SPEC §4: letters and digits only; the length cap also keeps `<group>_messagelog.txt` a sane file name. */
export function validateGroupName(name: string): Result<string, GroupNameError> {
  return GROUP_NAME.test(name) && name.length <= MAX_GROUP_NAME_LENGTH ? ok(name) : err({ type: 'GroupNameInvalid', limit: MAX_GROUP_NAME_LENGTH });
}
