import type { WireError } from '../../protocol/error-codes.js';

/** Every expected way a command can fail. Handlers return these as values, never throw. */
export type CommandError =
  | { type: 'UserOffline'; user: string }
  | { type: 'UnknownUser'; user: string }
  | { type: 'SelfTarget' }
  | { type: 'MessageEmpty' }
  | { type: 'MessageTooLong'; limit: number }
  | { type: 'MessageInvalidChars' }
  | { type: 'MessageLineBreak' }
  | { type: 'UserNameBidiControl' }
  | { type: 'GroupNameBidiControl' }
  | { type: 'FileNameBidiControl' }
  | { type: 'GroupNameInvalid'; limit: number }
  | { type: 'GroupExists'; group: string }
  | { type: 'GroupNotFound'; group: string }
  | { type: 'GroupNeedsMembers' }
  | { type: 'TooManyGroups'; limit: number }
  | { type: 'GroupMemberUnknown'; user: string }
  | { type: 'GroupMemberOffline'; user: string }
  | { type: 'NotInvited'; group: string }
  | { type: 'AlreadyJoined'; group: string }
  | { type: 'NotJoined'; group: string }
  | { type: 'FileNameInvalid' }
  | { type: 'FileSizeInvalid' }
  | { type: 'StorageFailed' }
  /** The shared state of a cluster (Redis) cannot be reached: nothing was done. */
  | { type: 'ClusterUnavailable' };

/** The one place a command error becomes a wire error. */
export function toWireError(error: CommandError): WireError {
  switch (error.type) {
    case 'UserOffline':
      return { code: 'USER_OFFLINE', user: error.user };
    case 'UnknownUser':
      return { code: 'UNKNOWN_USER', user: error.user };
    case 'SelfTarget':
      return { code: 'SELF_TARGET' };
    case 'MessageEmpty':
      return { code: 'MESSAGE_EMPTY' };
    case 'MessageTooLong':
      return { code: 'MESSAGE_TOO_LONG', limit: error.limit };
    case 'MessageInvalidChars':
      return { code: 'MESSAGE_INVALID_CHARS' };
    case 'MessageLineBreak':
      return { code: 'MESSAGE_LINE_BREAK' };
    case 'UserNameBidiControl':
      return { code: 'USER_NAME_BIDI_CONTROL' };
    case 'GroupNameBidiControl':
      return { code: 'GROUP_NAME_BIDI_CONTROL' };
    case 'FileNameBidiControl':
      return { code: 'FILE_NAME_BIDI_CONTROL' };
    case 'GroupNameInvalid':
      return { code: 'GROUP_NAME_INVALID', limit: error.limit };
    case 'GroupExists':
      return { code: 'GROUP_EXISTS', group: error.group };
    case 'GroupNotFound':
      return { code: 'GROUP_NOT_FOUND', group: error.group };
    case 'GroupNeedsMembers':
      return { code: 'GROUP_NEEDS_MEMBERS' };
    case 'TooManyGroups':
      return { code: 'TOO_MANY_GROUPS', limit: error.limit };
    case 'GroupMemberUnknown':
      return { code: 'GROUP_MEMBER_UNKNOWN', user: error.user };
    case 'GroupMemberOffline':
      return { code: 'GROUP_MEMBER_OFFLINE', user: error.user };
    case 'NotInvited':
      return { code: 'NOT_INVITED', group: error.group };
    case 'AlreadyJoined':
      return { code: 'ALREADY_JOINED', group: error.group };
    case 'NotJoined':
      return { code: 'NOT_JOINED', group: error.group };
    case 'FileNameInvalid':
      return { code: 'FILE_NAME_INVALID' };
    case 'FileSizeInvalid':
      return { code: 'FILE_SIZE_INVALID' };
    case 'StorageFailed':
      return { code: 'STORAGE_FAILED' };
    case 'ClusterUnavailable':
      return { code: 'CLUSTER_UNAVAILABLE' };
  }
}
