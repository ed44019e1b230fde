import { err, ok, type Result } from 'neverthrow';
import type { ServerEvent } from './catalogue.js';
import { isErrorCode, type WireError } from './error-codes.js';
import { encodeFrame } from './frame-codec.js';

export const PROTOCOL_VERSION = 1;

// Client → server
export interface HelloMessage {
  t: 'hello';
  v: number;
  agent?: string;
}
export interface RequestMessage {
  t: 'req';
  id: number;
  cmd: string;
  args: string[];
}
export type ClientMessage = HelloMessage | RequestMessage;

// Server → client
export interface WelcomeMessage {
  t: 'welcome';
  v: number;
  limits: ServerLimits;
}
export type ResponseMessage =
  | { t: 'res'; id: number; ok: true; data?: unknown }
  | { t: 'res'; id: number; ok: false; error: WireError };
/**
 * An event as it arrives: the client checks each field itself (src/client/inbound.ts) and
 * ignores types it does not know. What the server sends is the catalogue's ServerEvent.
 */
export interface EventMessage {
  t: 'ev';
  ev: string;
  [field: string]: unknown;
}
export type ServerMessage = WelcomeMessage | ResponseMessage | EventMessage;

export interface ServerLimits {
  maxFrameBytes: number;
  maxMessageLength: number;
}

export type DecodeError = { type: 'NotJson' } | { type: 'BadShape'; reason: string };

export const MAX_REQUEST_ID = 2 ** 31 - 1;
const MAX_ARGS = 1024;

function parseJson(frame: Buffer): Result<unknown, DecodeError> {
  try {
    return ok(JSON.parse(frame.toString('utf8')));
  } catch {
    return err({ type: 'NotJson' });
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (reason: string): Result<never, DecodeError> => err({ type: 'BadShape', reason });

export function decodeClientMessage(frame: Buffer): Result<ClientMessage, DecodeError> {
  return decodeClientText(frame.toString('utf8'));
}

const allStrings = (args: unknown[]): boolean => {
  for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'string') return false;
  return true;
};

/**
 * A frame's payload (already text, see FrameDecoder.nextText) as a client message. On the hot
 * path: one parse, no intermediate Results, and a request is the parsed object itself.
 */
export function decodeClientText(text: string): Result<ClientMessage, DecodeError> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return err({ type: 'NotJson' });
  }
  if (!isRecord(value)) return bad('not an object');
  if (value.t === 'req') {
    const { id, cmd, args } = value;
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > MAX_REQUEST_ID)
      return bad('bad id');
    if (typeof cmd !== 'string' || cmd.length === 0 || cmd.length > 32) return bad('bad cmd');
    if (!Array.isArray(args) || args.length > MAX_ARGS || !allStrings(args))
      return bad('args must be an array of strings');
    return ok(value as unknown as RequestMessage);
  }
  if (value.t === 'hello') {
    if (!Number.isInteger(value.v)) return bad('hello needs an integer v');
    const agent = typeof value.agent === 'string' ? value.agent.slice(0, 100) : undefined;
    return ok({ t: 'hello', v: value.v as number, ...(agent ? { agent } : {}) });
  }
  return bad('unknown message type');
}

export function decodeServerMessage(frame: Buffer): Result<ServerMessage, DecodeError> {
  return parseJson(frame).andThen((value): Result<ServerMessage, DecodeError> => {
    if (!isRecord(value)) return bad('not an object');
    switch (value.t) {
      case 'welcome':
        return Number.isInteger(value.v) && isRecord(value.limits)
          ? ok(value as unknown as WelcomeMessage)
          : bad('bad welcome');
      case 'res': {
        if (!Number.isInteger(value.id)) return bad('bad id');
        if (value.ok === true) return ok(value as unknown as ResponseMessage);
        if (value.ok === false && isRecord(value.error) && isErrorCode(value.error.code)) {
          return ok(value as unknown as ResponseMessage);
        }
        return bad('bad response');
      }
      case 'ev':
        return typeof value.ev === 'string' ? ok(value as EventMessage) : bad('bad event');
      default:
        return bad('unknown message type');
    }
  });
}

export const encodeMessage = (message: ClientMessage | ServerMessage): string =>
  JSON.stringify(message);

/** An event of the catalogue, encoded once, ready to be written to any number of connections. */
export const encodeEventFrame = (event: ServerEvent): Buffer => encodeFrame(JSON.stringify(event));
