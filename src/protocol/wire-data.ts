/** One row of the `activeuser` response (docs/PROTOCOL.md). */
export interface ActiveUserRow {
  user: string;
  address: string;
  udpPort: number;
  /** Login time, SPEC's TS. */
  since: string;
}
