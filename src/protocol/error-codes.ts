// Stable error codes on the wire. The server sends a code plus data, never prose; the client
// alone turns codes into the text a person reads (src/client/render.ts).
export const ERROR_CODES = [
  // protocol
  'BAD_FRAME',
  'FRAME_TOO_LARGE',
  'BAD_MESSAGE',
  'HANDSHAKE_REQUIRED',
  'VERSION_UNSUPPORTED',
  'UNKNOWN_COMMAND',
  'BAD_ARGUMENTS',
  'NOT_LOGGED_IN',
  'ALREADY_AUTHENTICATED',
  'OUT_OF_ORDER',
  // login
  'INVALID_PASSWORD',
  'ACCOUNT_LOCKED_NOW',
  'ACCOUNT_BLOCKED',
  'USER_ALREADY_ACTIVE',
  'LOGIN_TIMEOUT',
  // messaging
  'USER_OFFLINE',
  'UNKNOWN_USER',
  'SELF_TARGET',
  'MESSAGE_EMPTY',
  'MESSAGE_TOO_LONG',
  'MESSAGE_INVALID_CHARS',
  'MESSAGE_LINE_BREAK',
  'USER_NAME_BIDI_CONTROL',
  'GROUP_NAME_BIDI_CONTROL',
  'GROUP_NAME_INVALID',
  'GROUP_EXISTS',
  'GROUP_NOT_FOUND',
  'GROUP_NEEDS_MEMBERS',
  'GROUP_MEMBER_UNKNOWN',
  'GROUP_MEMBER_OFFLINE',
  'TOO_MANY_GROUPS',
  'NOT_INVITED',
  'ALREADY_JOINED',
  'NOT_JOINED',
  // p2p
  'FILE_NAME_INVALID',
  'FILE_SIZE_INVALID',
  'FILE_NAME_BIDI_CONTROL',
  // server-side failures and limits
  'STORAGE_FAILED',
  // a node of a cluster cannot reach Redis (docs/CLUSTER.md); nothing was done
  'CLUSTER_UNAVAILABLE',
  // a cluster node was cut off longer than the expiry and the name logged in on another node
  'LOGGED_IN_ELSEWHERE',
  'RATE_LIMITED',
  'FLOODING',
  'TOO_MANY_CONNECTIONS',
  'TOO_MANY_CONNECTIONS_FROM_IP',
  'TOO_MANY_UNAUTHENTICATED_MESSAGES',
  'LOGIN_THROTTLED',
  'SHUTTING_DOWN',
  // link security: a plaintext client reached a server that requires TLS
  'TLS_REQUIRED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN = new Set<string>(ERROR_CODES);
export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && KNOWN.has(value);

/** An error as it travels: a code plus optional structured details (a user name, a limit). */
export interface WireError {
  code: ErrorCode;
  user?: string;
  group?: string;
  limit?: number;
  retryAfterSeconds?: number;
}
