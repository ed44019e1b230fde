// What the server tells each peer when it introduces them, and the checks applied to it before
// any socket is touched (the client trusts the server, but not blindly).
import { err, ok, type Result } from 'neverthrow';
import { isIP } from 'node:net';
import { validateFileName } from './file-name.js';
import type { TransferError } from './transfer-error.js';
import { TRANSFER_KEY_BYTES } from './seal.js';

// One type for each side's introduction, shared with the server: the protocol catalogue.
export type { AudienceIntroduction, PresenterIntroduction } from '../protocol/catalogue.js';
import type { AudienceIntroduction, PresenterIntroduction } from '../protocol/catalogue.js';

const KEY_PATTERN = /^[0-9a-fA-F]{64}$/;

export function parseTransferKey(key: unknown): Result<Buffer, TransferError> {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key))
    return err({ type: 'InvalidIntroduction', detail: 'key must be 64 hex characters' });
  const bytes = Buffer.from(key, 'hex');
  return bytes.length === TRANSFER_KEY_BYTES
    ? ok(bytes)
    : err({ type: 'InvalidIntroduction', detail: 'bad key' });
}

function checkTransferId(id: string): Result<string, TransferError> {
  return typeof id === 'string' && id.length > 0 && id.length <= 128
    ? ok(id)
    : err({ type: 'InvalidIntroduction', detail: 'transferId must be 1..128 characters' });
}

export function checkPresenterIntroduction(
  intro: PresenterIntroduction,
): Result<Buffer, TransferError> {
  return checkTransferId(intro.transferId).andThen(() => {
    if (isIP(intro.audience.address) === 0)
      return err({
        type: 'InvalidIntroduction',
        detail: `bad audience address ${intro.audience.address}`,
      } as const);
    const port = intro.audience.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      return err({ type: 'InvalidIntroduction', detail: `bad audience port ${port}` } as const);
    return parseTransferKey(intro.key);
  });
}

export function checkAudienceIntroduction(
  intro: AudienceIntroduction,
): Result<Buffer, TransferError> {
  return checkTransferId(intro.transferId).andThen(() => {
    if (isIP(intro.presenterAddress) === 0)
      return err({
        type: 'InvalidIntroduction',
        detail: `bad presenter address ${intro.presenterAddress}`,
      } as const);
    if (!Number.isSafeInteger(intro.size) || intro.size < 0)
      return err({ type: 'InvalidIntroduction', detail: `bad size ${intro.size}` } as const);
    const nameOk = validateFileName(intro.fileName);
    if (nameOk.isErr()) return err({ type: 'InvalidFileName', error: nameOk.error } as const);
    const presenterOk = validateFileName(intro.presenter);
    if (presenterOk.isErr())
      return err({
        type: 'InvalidIntroduction',
        detail: 'presenter name is not usable in a file name',
      } as const);
    return parseTransferKey(intro.key);
  });
}
