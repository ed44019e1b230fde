// What the client accepts from the server, checked field by field. The frame decoder only knows
// that an event has a name and a response an id; here each event and each reply the client uses
// gets its fields checked, so a missing or wrongly typed field becomes one clear protocol error
// instead of "undefined" on the screen or a crash. (Strings are shown through safeText later.)
import { err, ok, type Result } from 'neverthrow';
import { isErrorCode, type WireError } from '../protocol/error-codes.js';
import type { EventMessage } from '../protocol/messages.js';
import type { ActiveUserRow } from '../protocol/wire-data.js';

export interface ProtocolError {
  readonly type: 'ProtocolError';
  /** What was being read, e.g. `event "private"`. */
  readonly what: string;
  /** The field that was missing or of the wrong type. */
  readonly field: string;
  readonly expected: string;
}

export const describeProtocolError = (e: ProtocolError): string =>
  `Protocol error: the server sent ${e.what} without ${e.expected} "${e.field}"; it was ignored.`;

export interface Invitation {
  readonly group: string;
  readonly by: string;
}

export type ServerEvent =
  | { kind: 'private'; from: string; text: string; ts: string }
  | { kind: 'group'; group: string; from: string; text: string; ts: string }
  | {
      kind: 'p2p-incoming';
      transferId: string;
      key: string;
      presenter: string;
      presenterAddress: string;
      fileName: string;
      size: number;
    }
  | { kind: 'invited'; group: string; by: string }
  /** The other side of a transfer went offline (logout or disconnect). */
  | { kind: 'p2p-peer-left'; transferId: string; user: string }
  | { kind: 'error'; error: WireError }
  | { kind: 'closing'; error: WireError | undefined }
  | { kind: 'unknown'; name: string };

type Fields = Record<string, unknown>;
const isRecord = (v: unknown): v is Fields =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads typed fields of one object, remembering the first that is wrong. */
class Reader {
  constructor(
    private readonly what: string,
    private readonly fields: unknown,
  ) {}

  private fail(field: string, expected: string): Result<never, ProtocolError> {
    return err({ type: 'ProtocolError', what: this.what, field, expected });
  }

  string(field: string): Result<string, ProtocolError> {
    const v = isRecord(this.fields) ? this.fields[field] : undefined;
    return typeof v === 'string' ? ok(v) : this.fail(field, 'a string');
  }

  count(field: string): Result<number, ProtocolError> {
    const v = isRecord(this.fields) ? this.fields[field] : undefined;
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
      ? ok(v)
      : this.fail(field, 'a whole number');
  }

  strings(field: string): Result<string[], ProtocolError> {
    const v = isRecord(this.fields) ? this.fields[field] : undefined;
    return Array.isArray(v) && v.every((s) => typeof s === 'string')
      ? ok(v as string[])
      : this.fail(field, 'a list of strings');
  }

  records(field: string): Result<unknown[], ProtocolError> {
    const v = isRecord(this.fields) ? this.fields[field] : undefined;
    return Array.isArray(v) ? ok(v) : this.fail(field, 'a list');
  }

  error(field: string): Result<WireError, ProtocolError> {
    const v = isRecord(this.fields) ? this.fields[field] : undefined;
    return isRecord(v) && isErrorCode(v.code)
      ? ok(v as unknown as WireError)
      : this.fail(field, 'an error code in');
  }
}

const combine = <T extends Record<string, Result<unknown, ProtocolError>>>(
  parts: T,
): Result<
  { [K in keyof T]: T[K] extends Result<infer V, ProtocolError> ? V : never },
  ProtocolError
> => {
  const out: Record<string, unknown> = {};
  for (const [key, part] of Object.entries(parts)) {
    if (part.isErr()) return err(part.error);
    out[key] = part.value;
  }
  return ok(out as { [K in keyof T]: T[K] extends Result<infer V, ProtocolError> ? V : never });
};

/** Checks one event from the server; events of unknown kinds are passed on as `unknown` (ignored). */
export function readEvent(event: EventMessage): Result<ServerEvent, ProtocolError> {
  const r = new Reader(`event "${event.ev}"`, event);
  switch (event.ev) {
    case 'private':
      return combine({ from: r.string('from'), text: r.string('text'), ts: r.string('ts') }).map(
        (f) => ({ kind: 'private', ...f }),
      );
    case 'group':
      return combine({
        group: r.string('group'),
        from: r.string('from'),
        text: r.string('text'),
        ts: r.string('ts'),
      }).map((f) => ({ kind: 'group', ...f }));
    case 'p2p-incoming':
      return combine({
        transferId: r.string('transferId'),
        key: r.string('key'),
        presenter: r.string('presenter'),
        presenterAddress: r.string('presenterAddress'),
        fileName: r.string('fileName'),
        size: r.count('size'),
      }).map((f) => ({ kind: 'p2p-incoming', ...f }));
    case 'invited':
      return combine({ group: r.string('group'), by: r.string('by') }).map((f) => ({
        kind: 'invited',
        ...f,
      }));
    case 'p2p-peer-left':
      return combine({ transferId: r.string('transferId'), user: r.string('user') }).map((f) => ({
        kind: 'p2p-peer-left',
        ...f,
      }));
    case 'error':
      return r.error('error').map((error) => ({ kind: 'error', error }));
    case 'closing':
      // A closing notice without a reason still closes: the reason is optional.
      return ok({ kind: 'closing', error: r.error('error').unwrapOr(undefined) });
    default:
      return ok({ kind: 'unknown', name: event.ev });
  }
}

/** The success data of each reply the client reads. */
export const readTimestamp = (data: unknown, command: string): Result<string, ProtocolError> =>
  new Reader(`a "${command}" reply`, data).string('ts');

export function readActiveUsers(data: unknown): Result<ActiveUserRow[], ProtocolError> {
  return new Reader('an "activeuser" reply', data).records('users').andThen((rows) => {
    const out: ActiveUserRow[] = [];
    for (const row of rows) {
      const r = new Reader('an "activeuser" row', row);
      const read = combine({
        user: r.string('user'),
        address: r.string('address'),
        udpPort: r.count('udpPort'),
        since: r.string('since'),
      });
      if (read.isErr()) return err(read.error);
      out.push(read.value);
    }
    return ok(out);
  });
}

export function readCreatedGroup(
  data: unknown,
): Result<{ group: string; members: string[] }, ProtocolError> {
  const r = new Reader('a "creategroup" reply', data);
  return combine({ group: r.string('group'), members: r.strings('members') });
}

/** Pending invitations in the login reply (absent from older servers: none). */
export function readInvitations(data: unknown): Result<Invitation[], ProtocolError> {
  if (!isRecord(data) || data.invitations === undefined) return ok([]);
  return new Reader('the login reply', data).records('invitations').andThen((rows) => {
    const out: Invitation[] = [];
    for (const row of rows) {
      const r = new Reader('an invitation', row);
      const read = combine({ group: r.string('group'), by: r.string('by') });
      if (read.isErr()) return err(read.error);
      out.push(read.value);
    }
    return ok(out);
  });
}

export interface PresenterIntro {
  transferId: string;
  key: string;
  audience: { address: string; port: number };
}

export function readPresenterIntroduction(data: unknown): Result<PresenterIntro, ProtocolError> {
  const r = new Reader('a "p2pvideo" reply', data);
  const audience = isRecord(data) ? data.audience : undefined;
  const a = new Reader('a "p2pvideo" reply', audience);
  return combine({
    transferId: r.string('transferId'),
    key: r.string('key'),
    address: a.string('address'),
    port: a.count('port'),
  }).map(({ transferId, key, address, port }) => ({
    transferId,
    key,
    audience: { address, port },
  }));
}

/** The names a wire error refers to must be strings; when absent, the caller's own value stands in. */
export function completeError(
  error: WireError,
  fallback: { user?: string; group?: string },
): WireError {
  const user = typeof error.user === 'string' ? error.user : fallback.user;
  const group = typeof error.group === 'string' ? error.group : fallback.group;
  return {
    ...error,
    ...(user !== undefined ? { user } : {}),
    ...(group !== undefined ? { group } : {}),
  };
}
