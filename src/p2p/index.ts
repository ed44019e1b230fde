// Public surface of the peer-to-peer transport, for the client (and tests / bench).
export { P2PEndpoint, type ListenOptions } from './endpoint.js';
export type {
  TransferHandle,
  SendOutcome,
  ReceiveOutcome,
  ProgressListener,
} from './transfer-handle.js';
export type { SendOptions } from './sender.js';
export type { ReceiveOptions } from './receiver.js';
export type { PresenterIntroduction, AudienceIntroduction } from './introduction.js';
export {
  describeTransferError,
  type TransferError,
  type PeerAbortReason,
  type TransferSide,
} from './transfer-error.js';
export {
  validateFileName,
  describeFileNameError,
  MAX_FILE_NAME_BYTES,
  type FileNameError,
} from './file-name.js';
export { DEFAULT_CONFIG, type TransportConfig } from './config.js';
export type { TransferProgress } from './progress.js';
export type { TransferStats, EndpointCounters } from './stats.js';
export { candidateName } from './download-file.js';
