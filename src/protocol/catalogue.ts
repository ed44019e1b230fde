// The typed catalogue of the wire protocol (docs/PROTOCOL.md): every command's arguments and
// success data, and every event the server pushes. The server's handlers, the client's
// ServerLink, the test raw client and the bench client are all typed by it.
import type { WireError } from './error-codes.js';
import type { ActiveUserRow } from './wire-data.js';

export type { ActiveUserRow } from './wire-data.js';

/** What the server tells both peers of a transfer: which transfer, and its key. */
export interface TransferIntroduction {
  readonly transferId: string;
  /** 64 hex characters: the transfer's 256-bit key, drawn by the server, sealing every datagram; shared by the two peers only. */
  readonly key: string;
}

/** Given to the presenter (the `p2pvideo` reply): where to send. */
export interface PresenterIntroduction extends TransferIntroduction {
  readonly audience: { readonly address: string; readonly port: number };
}

/** Given to the audience (the `p2p-incoming` event): what to expect and from whom. */
export interface AudienceIntroduction extends TransferIntroduction {
  readonly presenter: string;
  readonly presenterAddress: string;
  readonly fileName: string;
  readonly size: number;
}

/** A group chat the user was invited to and has not joined yet, and who invited them. */
export interface Invitation {
  readonly group: string;
  readonly by: string;
}

/** Each command: its arguments (strings on the wire) and the data of a successful response. */
export interface CommandCatalogue {
  username: { args: [username: string]; data: undefined };
  password: {
    args: [password: string, udpPort: string];
    data: { username: string; invitations: Invitation[] };
  };
  logout: { args: []; data: { username: string } };
  msgto: { args: [user: string, text: string]; data: { ts: string } };
  activeuser: { args: []; data: { users: ActiveUserRow[] } };
  creategroup: {
    args: [group: string, ...users: string[]];
    data: { group: string; members: string[] };
  };
  joingroup: { args: [group: string]; data: { group: string } };
  groupmsg: { args: [group: string, text: string]; data: { ts: string } };
  p2pvideo: { args: [user: string, fileName: string, size: string]; data: PresenterIntroduction };
}

export type CommandName = keyof CommandCatalogue;
export type CommandArgs<C extends CommandName> = CommandCatalogue[C]['args'];
export type CommandData<C extends CommandName> = CommandCatalogue[C]['data'];

/** The response to command `C`. */
export type CommandReply<C extends CommandName> =
  | { t: 'res'; id: number; ok: true; data: CommandData<C> }
  | { t: 'res'; id: number; ok: false; error: WireError };

/** Every event the server pushes (clients ignore event types they do not know). */
export type ServerEvent =
  | { t: 'ev'; ev: 'private'; from: string; text: string; ts: string }
  | { t: 'ev'; ev: 'group'; group: string; from: string; text: string; ts: string }
  | ({ t: 'ev'; ev: 'p2p-incoming' } & AudienceIntroduction)
  /** The other side of a transfer went offline: the transfer cannot finish. */
  | { t: 'ev'; ev: 'p2p-peer-left'; transferId: string; user: string }
  /** Invited to a group chat by its creator (`by`). */
  | { t: 'ev'; ev: 'invited'; group: string; by: string }
  | { t: 'ev'; ev: 'error'; error: WireError }
  | { t: 'ev'; ev: 'closing'; error: WireError };
