import type { WireError } from '../protocol/error-codes.js';
import type { ActiveUserRow } from '../protocol/wire-data.js';
import { safeText } from '../terminal/safe-text.js';
import type { CommandName } from './command-line.js';

/**
 * The one place a wire error becomes the text a person reads (SPEC §3–§5 strings). `command`
 * is what the user ran, because the same code reads differently per command. Every string
 * that came over the network goes through safeText, so it is shown, never obeyed.
 */
export function renderError(command: CommandName | 'login', error: WireError): string {
  const user = safeText(typeof error.user === 'string' ? error.user : '');
  const group = safeText(typeof error.group === 'string' ? error.group : '');
  switch (error.code) {
    case 'INVALID_PASSWORD':
      return 'Invalid Password. Please try again';
    case 'ACCOUNT_LOCKED_NOW':
      return 'Invalid Password. Your account has been blocked. Please try again later';
    case 'ACCOUNT_BLOCKED':
      return 'Your account is blocked due to multiple login failures. Please try again later';
    case 'USER_ALREADY_ACTIVE':
      return `${user} is already logged in from another client. Log out there first.`;
    case 'LOGIN_TIMEOUT':
      return 'Login took too long; the server closed the connection. Please try again.';
    case 'USER_OFFLINE':
      return `${user} is offline`;
    case 'UNKNOWN_USER':
      return `${user} is not a registered user.`;
    case 'SELF_TARGET':
      return command === 'p2pvideo'
        ? 'You cannot send a file to yourself.'
        : 'You cannot send a message to yourself.';
    case 'MESSAGE_EMPTY':
      return command === 'groupmsg'
        ? 'Usage: /groupmsg GROUPNAME MESSAGE'
        : 'Usage: /msgto USERNAME MESSAGE';
    case 'MESSAGE_TOO_LONG':
      return `Message is too long: at most ${error.limit ?? ''} characters.`;
    case 'MESSAGE_INVALID_CHARS':
      return 'Message contains control characters, which are not allowed.';
    case 'MESSAGE_LINE_BREAK':
      return 'Message contains a Unicode line or paragraph separator (U+2028, U+2029 or U+0085), which is not allowed.';
    case 'USER_NAME_BIDI_CONTROL':
      return 'User names cannot contain invisible bidirectional control characters (U+202A–U+202E, U+2066–U+2069).';
    case 'GROUP_NAME_BIDI_CONTROL':
      return 'Group names cannot contain invisible bidirectional control characters (U+202A–U+202E, U+2066–U+2069).';
    case 'FILE_NAME_BIDI_CONTROL':
      return 'File names cannot contain invisible bidirectional control characters (U+202A–U+202E, U+2066–U+2069).';
    case 'GROUP_NAME_INVALID':
      return `Invalid group name. Use letters and digits only, at most ${error.limit ?? ''} characters.`;
    case 'GROUP_EXISTS':
      return `a group chat (Name: ${group}) already exists`;
    case 'GROUP_NOT_FOUND':
      return command === 'joingroup'
        ? `Groupchat ${group} doesn't exist.`
        : 'The group chat does not exist.';
    case 'GROUP_NEEDS_MEMBERS':
      return 'Please enter at least one more active user.';
    case 'GROUP_MEMBER_UNKNOWN':
      return `${user} is not a registered user; the group was not created.`;
    case 'GROUP_MEMBER_OFFLINE':
      return `${user} is offline; the group was not created.`;
    case 'TOO_MANY_GROUPS':
      return `The server already holds its maximum of ${error.limit ?? ''} group chats; the group was not created.`;
    case 'NOT_INVITED':
      return command === 'joingroup'
        ? `You are not invited to Groupchat ${group}.`
        : 'You are not in this group chat.';
    case 'ALREADY_JOINED':
      return `You have already joined Groupchat ${group}`;
    case 'NOT_JOINED':
      return 'Please join the group before sending messages.';
    case 'FILE_NAME_INVALID':
      return 'Invalid file name: use a plain file name without /, \\, .. or control characters.';
    case 'FILE_SIZE_INVALID':
      return 'Invalid file size.';
    case 'STORAGE_FAILED':
      return 'The server could not save that; it was not sent. Please try again.';
    case 'CLUSTER_UNAVAILABLE':
      return command === 'login'
        ? 'The server cannot reach the rest of its cluster right now, so it cannot log you in. Please try again shortly.'
        : 'The server cannot reach the rest of its cluster right now; that was not done. Please try again shortly.';
    case 'LOGGED_IN_ELSEWHERE':
      return 'You logged in on another server of this cluster while this one could not reach it; this session ends here.';
    case 'RATE_LIMITED':
      return `You are sending too fast. Please wait ${error.retryAfterSeconds ?? 1} s and try again.`;
    case 'FLOODING':
      return 'Disconnected by the server: too many commands too fast.';
    case 'LOGIN_THROTTLED':
      return `Too many failed logins from your address. Please try again in ${error.retryAfterSeconds ?? 60} s.`;
    case 'TOO_MANY_CONNECTIONS':
      return 'The server is full. Please try again later.';
    case 'TOO_MANY_CONNECTIONS_FROM_IP':
      return 'Too many connections from your address. Please close some and try again.';
    case 'TOO_MANY_UNAUTHENTICATED_MESSAGES':
      return 'Disconnected by the server: too many requests before login.';
    case 'TLS_REQUIRED':
      return 'The server requires TLS; connect without --plaintext.';
    case 'SHUTTING_DOWN':
      return 'The server is shutting down. Goodbye.';
    case 'FRAME_TOO_LARGE':
      return 'Disconnected by the server: a message was too large.';
    case 'NOT_LOGGED_IN':
      return 'You are not logged in.';
    case 'ALREADY_AUTHENTICATED':
      return 'You are already logged in.';
    case 'UNKNOWN_COMMAND':
      return 'Error. Invalid command!';
    case 'BAD_ARGUMENTS':
    case 'OUT_OF_ORDER':
    case 'BAD_FRAME':
    case 'BAD_MESSAGE':
    case 'HANDSHAKE_REQUIRED':
    case 'VERSION_UNSUPPORTED':
    case 'INTERNAL':
      return `The server refused the request (${error.code}).`;
  }
}

const s = safeText;

export const renderActiveUsers = (rows: readonly ActiveUserRow[]): string[] =>
  rows.length === 0
    ? ['no other active user']
    : rows.map((r) => `${s(r.user)}, ${s(r.address)}, ${r.udpPort}, active since ${s(r.since)}.`);

export const renderPrivateMessage = (ts: string, from: string, text: string): string =>
  `${s(ts)}, ${s(from)}: ${s(text)}`;
export const renderGroupMessage = (ts: string, group: string, from: string, text: string): string =>
  `${s(ts)}, ${s(group)}, ${s(from)}: ${s(text)}`;
export const renderInvitation = (group: string, by: string): string =>
  `${s(by)} invited you to the group chat ${s(group)}. To join: /joingroup ${s(group)}`;
