// What the server acknowledged during the soak, and the check of the data directory against it
// at the end: every acknowledged message logged exactly once, every acknowledged group and join
// restored, no log number used twice.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GroupStore } from '../../src/server/storage/group-store.js';
import { DEFAULT_STORAGE } from '../../src/server/storage/storage-fs.js';
import { describeTransferError, type TransferError } from '../../src/p2p/index.js';

export type TransferSide = 'send' | 'receive';

/** Why a transfer failed, as a short key to count by: the type, and the detail that tells cases apart. */
export function failureKey(side: TransferSide, error: TransferError): string {
  switch (error.type) {
    case 'PeerAborted':
      return `${side}: PeerAborted (${error.reason})`;
    case 'PeerVanished':
      return `${side}: PeerVanished (noticed by the ${error.side})`;
    default:
      return `${side}: ${error.type}`;
  }
}

/** How often one failure key occurred, with the first sentence a person would have read for it. */
export interface FailureTally {
  count: number;
  readonly example: string;
}

export class Ledger {
  /** `receiver; text` of every acknowledged private message. */
  readonly privateMessages: string[] = [];
  /** group → `sender; text` of every acknowledged group message. */
  readonly groupMessages = new Map<string, string[]>();
  /** group → members as acknowledged at creation (creator first). */
  readonly groups = new Map<string, string[]>();
  /** `group/user` of every acknowledged join. */
  readonly joins = new Set<string>();
  /** failureKey → how often, both sides of every transfer (the sender's count is `transfersFailed`). */
  readonly transferFailures = new Map<string, FailureTally>();
  counts = {
    logins: 0,
    logouts: 0,
    transfersOk: 0,
    transfersFailed: 0,
    transfersCorrupt: 0,
    transferBytes: 0,
    unacknowledged: 0,
    refused: 0,
  };

  transferFailed(side: TransferSide, error: TransferError): void {
    if (side === 'send') this.counts.transfersFailed++;
    const key = failureKey(side, error);
    const tally = this.transferFailures.get(key);
    if (tally) tally.count++;
    else this.transferFailures.set(key, { count: 1, example: describeTransferError(error) });
  }

  /** The failure reasons, most frequent first, one line each. */
  failureReport(): string[] {
    return [...this.transferFailures]
      .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
      .map(([key, t]) => `${String(t.count).padStart(5)}  ${key} — e.g. "${t.example}"`);
  }

  groupMessage(group: string, line: string): void {
    const lines = this.groupMessages.get(group) ?? [];
    lines.push(line);
    this.groupMessages.set(group, lines);
  }
}

const readLines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

/** Problems with a numbered log: a number used twice or going backwards. */
function numberingProblems(file: string, lines: string[]): string[] {
  const problems: string[] = [];
  let last = 0;
  for (const line of lines) {
    const n = Number(/^(\d+); /.exec(line)?.[1] ?? Number.NaN);
    if (Number.isNaN(n)) continue; // a sealed torn fragment too short to show its number
    if (n <= last) problems.push(`${file}: number ${n} after ${last}`);
    last = n;
  }
  return problems;
}

/** Counts every acknowledged entry (`; who; text` at the end of a line) in `lines`: must be exactly 1 each. */
function exactlyOnce(file: string, lines: string[], acknowledged: string[]): string[] {
  const seen = new Map<string, number>();
  for (const line of lines) {
    // `n; TS; who; text`: the text never holds a newline, and TS holds no `;`.
    const parts = /^\d+; [^;]*; (.*)$/.exec(line);
    if (parts) seen.set(parts[1]!, (seen.get(parts[1]!) ?? 0) + 1);
  }
  return acknowledged
    .filter((entry) => seen.get(entry) !== 1)
    .map((entry) => `${file}: acknowledged "${entry}" found ${seen.get(entry) ?? 0} times`);
}

export async function verify(ledger: Ledger, dataDir: string): Promise<string[]> {
  const problems: string[] = [];
  const privateLog = readLines(join(dataDir, 'messagelog.txt'));
  problems.push(
    ...numberingProblems('messagelog.txt', privateLog),
    ...exactlyOnce('messagelog.txt', privateLog, ledger.privateMessages),
  );
  for (const group of new Set([...ledger.groups.keys(), ...ledger.groupMessages.keys()])) {
    const file = `${group}_messagelog.txt`;
    const lines = readLines(join(dataDir, file));
    if (ledger.groups.has(group) && !existsSync(join(dataDir, file)))
      problems.push(`${file} missing`);
    problems.push(
      ...numberingProblems(file, lines),
      ...exactlyOnce(file, lines, ledger.groupMessages.get(group) ?? []),
    );
  }
  const opened = await GroupStore.open(join(dataDir, 'groups.db'), DEFAULT_STORAGE);
  if (opened.isErr()) return [...problems, `groups.db unreadable: ${opened.error.reason}`];
  const stored = new Map(opened.value.groups.map((g) => [g.name, new Map(g.members)]));
  await opened.value.store.close();
  if (opened.value.damaged > 0) problems.push(`groups.db: ${opened.value.damaged} damaged records`);
  for (const [group, members] of ledger.groups) {
    const found = stored.get(group);
    if (!found) problems.push(`group ${group} acknowledged but not restored`);
    else if (JSON.stringify([...found.keys()]) !== JSON.stringify(members))
      problems.push(
        `group ${group}: members ${[...found.keys()].join(',')} != ${members.join(',')}`,
      );
  }
  for (const join_ of ledger.joins) {
    const [group, user] = join_.split('/') as [string, string];
    if (stored.get(group)?.get(user) !== 'joined')
      problems.push(`join of ${user} to ${group} acknowledged but not restored`);
  }
  return problems;
}
