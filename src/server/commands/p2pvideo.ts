import { randomBytes } from 'node:crypto';
import { errAsync, type ResultAsync } from 'neverthrow';
import { fromState } from './backend.js';
import { validateFileName } from '../../p2p/file-name.js';
import { validateUserName } from '../../shared/user-name.js';
import type { CommandData, PresenterIntroduction } from '../../protocol/catalogue.js';
import { encodeEventFrame } from '../../protocol/messages.js';
import type { CommandContext } from '../services.js';
import type { CommandError } from './command-error.js';
import { printableName } from '../printable-name.js';

/**
 * `/p2pvideo USER FILE SIZE`: the server only introduces the peers. It tells the audience who will
 * send what (with a fresh 256-bit key that seals the transfer's datagrams) and gives the presenter the audience's UDP address;
 * the file's bytes never pass through the server.
 */
export function p2pvideo(
  { username, address, services }: CommandContext,
  [to = '', fileName = '', sizeText = '']: string[],
): ResultAsync<CommandData<'p2pvideo'>, CommandError> {
  const name = validateFileName(fileName);
  if (name.isErr())
    return errAsync({
      type:
        name.error.type === 'FileNameHasBidiControl' ? 'FileNameBidiControl' : 'FileNameInvalid',
    });
  if (validateUserName(to).isErr()) return errAsync({ type: 'UserNameBidiControl' });
  const size = Number(sizeText);
  if (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(size))
    return errAsync({ type: 'FileSizeInvalid' });
  if (to === username) return errAsync({ type: 'SelfTarget' });
  if (!services.credentials.has(to)) return errAsync({ type: 'UnknownUser', user: to });
  return fromState(services.presence.find(to)).andThen((audience) => {
    if (!audience)
      return errAsync<PresenterIntroduction, CommandError>({ type: 'UserOffline', user: to });
    const transferId = randomBytes(8).toString('hex');
    const key = randomBytes(32).toString('hex');
    // Remembered before the audience hears of it, so a departure from now on is announced.
    return fromState(
      services.transfers.introduce({ transferId, presenter: username, audience: to }),
    ).map(() => {
      services.delivery.deliverMany(
        [audience],
        encodeEventFrame({
          t: 'ev',
          ev: 'p2p-incoming',
          transferId,
          key,
          presenter: username,
          presenterAddress: address,
          fileName,
          size,
        }),
      );
      services.console.line(
        `${printableName(username)} is sending ${printableName(fileName)} (${size} bytes) to ${printableName(to)} over UDP`,
      );
      return { transferId, key, audience: { address: audience.address, port: audience.udpPort } };
    });
  });
}
