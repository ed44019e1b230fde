import type { ResultAsync } from 'neverthrow';
import type { BackendError } from '../state/backend-error.js';
import {
  MAX_TRANSFERS_PER_USER,
  type IntroducedTransfer,
  type Transfers,
} from '../state/transfers.js';
import type { RedisLink } from './redis-link.js';

/** Introductions are forgotten after a day even if neither side ever leaves (bounds Redis memory). */
const REMEMBER_MS = 24 * 3600 * 1000;

/**
 * Transfers the cluster introduced, per user in Redis (the newest 64 each, as in one process),
 * so a user leaving on any node announces the departure to the other side wherever it is.
 */
export class RedisTransfers implements Transfers {
  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
  ) {}

  introduce(t: IntroducedTransfer): ResultAsync<void, BackendError> {
    const json = JSON.stringify({
      transferId: t.transferId,
      presenter: t.presenter,
      audience: t.audience,
    });
    return this.link
      .script<number>(
        'tsIntroduce',
        this.prefix,
        t.presenter,
        t.audience,
        json,
        MAX_TRANSFERS_PER_USER,
        REMEMBER_MS,
      )
      .map(() => {});
  }

  takeAllOf(username: string): ResultAsync<IntroducedTransfer[], BackendError> {
    return this.link
      .script<string[]>('tsTakeTransfers', this.prefix, username)
      .map((all) => all.map((json) => JSON.parse(json) as IntroducedTransfer));
  }
}
