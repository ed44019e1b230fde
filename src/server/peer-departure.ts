import { encodeEventFrame } from '../protocol/messages.js';
import type { ServerServices } from './services.js';

/**
 * A user went offline (logout or disconnect): everyone in a transfer with them is told at once
 * (`p2p-peer-left`), so a presenter fails now with a clear message rather than after its stall
 * timeout, and an audience stops waiting for a presenter that is gone.
 */
export async function announceDeparture(services: ServerServices, username: string): Promise<void> {
  const taken = await services.transfers.takeAllOf(username);
  // Not reachable (a cluster without Redis): the peers' stall timeouts end their transfers.
  if (taken.isErr()) return;
  const transfers = taken.value;
  if (transfers.length === 0) return;
  const others = transfers.map((t) => (t.presenter === username ? t.audience : t.presenter));
  // Delivery reaches only those online; a user who is not gets nothing (their transfer ends anyway).
  transfers.forEach((t, i) =>
    services.delivery.deliver(
      others[i] ?? '',
      encodeEventFrame({ t: 'ev', ev: 'p2p-peer-left', transferId: t.transferId, user: username }),
    ),
  );
}
