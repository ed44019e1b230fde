/**
 * An address as Tessenger compares and shows it: servers listening on `::` report IPv4 peers as
 * `::ffff:1.2.3.4`, which is `1.2.3.4`; IPv6 text is compared in lower case.
 */
export function normalizeAddress(address: string | undefined): string {
  const lower = (address ?? 'unknown').toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}
