import type { ConsoleLog } from './console-log.js';
import type { Credentials } from './credentials.js';
import type { ResultAsync } from 'neverthrow';
import type { NumberedLog, StorageError } from './storage/append-log.js';
import type { Groups } from './state/groups.js';
import type { Delivery } from './state/delivery.js';
import type { Presence } from './state/presence.js';
import type { Transfers } from './state/transfers.js';

/** What command handlers may use: shared state, logs and the console, nothing socket-level. */
export interface ServerServices {
  credentials: Credentials;
  presence: Presence;
  /** Frames to users wherever they are connected (the multi-process seam). */
  delivery: Delivery;
  groups: Groups;
  /** Transfers introduced, so a peer going offline can be announced to the other side. */
  transfers: Transfers;
  messageLog: NumberedLog;
  groupLogs: GroupLogBook;
  console: ConsoleLog;
  maxMessageLength: number;
  maxGroups: number;
}

/** Who is running a command. */
export interface CommandContext {
  username: string;
  address: string;
  services: ServerServices;
}

/** Each group's numbered log (`<group>_messagelog.txt`), opened on demand. */
export interface GroupLogBook {
  open(group: string): ResultAsync<NumberedLog, StorageError>;
  closeAll(): Promise<void>;
}
