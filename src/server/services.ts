import type { ConsoleLog } from './console-log.js';
import type { Credentials } from './credentials.js';
import type { GroupLogs } from './storage/group-logs.js';
import type { NumberedLog } from './storage/append-log.js';
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
  groupLogs: GroupLogs;
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
