// What the server tells each peer when it introduces them, and the checks applied to it before
// any socket is touched (the client trusts the server, but not blindly).
import { err, ok, type Result } from 'neverthrow';
import { isIP } from 'node:net';
import { validateFileName } from './file-name.js';
import type { TransferError } from './transfer-error.js';
import { TOKEN_BYTES } from './datagram.js';

// One type for each side's introduction, shared with the server: the protocol catalogue.
export type { AudienceIntroduction, PresenterIntroduction } from '../protocol/catalogue.js';
import type { AudienceIntroduction, PresenterIntroduction } from '../protocol/catalogue.js';

const TOKEN_PATTERN = /^[0-9a-fA-F]{32}$/;

export function parseToken(token: string): Result<Buffer, TransferError> {
  if (!TOKEN_PATTERN.test(token)) return err({ type: 'InvalidIntroduction', detail: 'token must be 32 hex characters' });
  const bytes = Buffer.from(token, 'hex');
  return bytes.length === TOKEN_BYTES ? ok(bytes) : err({ type: 'InvalidIntroduction', detail: 'bad token' });
}

function checkTransferId(id: string): Result<string, TransferError> {
  return typeof id === 'string' && id.length > 0 && id.length <= 128
    ? ok(id)
    : err({ type: 'InvalidIntroduction', detail: 'transferId must be 1..128 characters' });
}

export function checkPresenterIntroduction(intro: PresenterIntroduction): Result<Buffer, TransferError> {
  return checkTransferId(intro.transferId).andThen(() => {
    if (isIP(intro.audience.address) === 0) return err({ type: 'InvalidIntroduction', detail: `bad audience address ${intro.audience.address}` } as const);
    const port = intro.audience.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return err({ type: 'InvalidIntroduction', detail: `bad audience port ${port}` } as const);
    return parseToken(intro.token);
  });
}

export function checkAudienceIntroduction(intro: AudienceIntroduction): Result<Buffer, TransferError> {
  return checkTransferId(intro.transferId).andThen(() => {
    if (isIP(intro.presenterAddress) === 0) return err({ type: 'InvalidIntroduction', detail: `bad presenter address ${intro.presenterAddress}` } as const);
    if (!Number.isSafeInteger(intro.size) || intro.size < 0) return err({ type: 'InvalidIntroduction', detail: `bad size ${intro.size}` } as const);
    const nameOk = validateFileName(intro.fileName);
    if (nameOk.isErr()) return err({ type: 'InvalidFileName', error: nameOk.error } as const);
    const presenterOk = validateFileName(intro.presenter);
    if (presenterOk.isErr()) return err({ type: 'InvalidIntroduction', detail: 'presenter name is not usable in a file name' } as const);
    return parseToken(intro.token);
  });
}
