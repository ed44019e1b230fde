import { createHash } from 'node:crypto';
import { Result } from 'neverthrow';

/**
 * One stored record per line: a checksum, a space, then the record as JSON. The checksum (the
 * first 16 hex digits of the line's SHA-256) tells a complete record from a torn or garbled one,
 * which after a power cut may hold any bytes (often zeros), so nothing half-written is believed.
 */
const checksum = (json: string): string =>
  createHash('sha256').update(json).digest('hex').slice(0, 16);

export function encodeRecordLine(record: unknown): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

export interface ParsedRecords {
  records: unknown[];
  /** Complete lines whose checksum or JSON is wrong: skipped, never believed. */
  damaged: number;
  /** The file ended inside a line (a write cut short): that fragment is ignored. */
  tornTail: boolean;
}

const parseJson = Result.fromThrowable((json: string): unknown => JSON.parse(json));

export function parseRecordLines(text: string): ParsedRecords {
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const records: unknown[] = [];
  let damaged = 0;
  for (const line of lines) {
    if (line === '') continue;
    const space = line.indexOf(' ');
    const json = line.slice(space + 1);
    if (space !== 16 || checksum(json) !== line.slice(0, 16)) {
      damaged++;
      continue;
    }
    const parsed = parseJson(json);
    if (parsed.isOk()) records.push(parsed.value);
    else damaged++;
  }
  return { records, damaged, tornTail: tail !== '' };
}
