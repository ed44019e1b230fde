// A client killed mid-download leaves its hidden temp file behind. At start the client removes
// the temp files of its own naming pattern (see download-file.ts) that nobody is writing to.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** `.<fileName>.<16 hex transfer id>.part` or `.tessenger-<id>.part`: only what tempFilePath makes. */
const TEMP_FILE = /^\.(?:.+\.[0-9a-f]{16}|tessenger-[A-Za-z0-9_-]{1,40})\.part$/;

export const isDownloadTempFile = (name: string): boolean => TEMP_FILE.test(name);

/**
 * Removes the download temp files in `dir` untouched for `olderThanMs`, and returns their names.
 * The age keeps it from touching a download another client running in the same directory is
 * still writing: a live transfer writes (or fails) well within its stall timeout. Best effort:
 * an unreadable directory or a file that cannot be removed is skipped.
 */
export async function removeStaleDownloads(
  dir: string,
  olderThanMs: number,
  now: number = Date.now(),
): Promise<string[]> {
  const names = await readdir(dir).catch((): string[] => []);
  const removed: string[] = [];
  for (const name of names.filter(isDownloadTempFile)) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || now - info.mtimeMs < olderThanMs) continue;
    if (
      await rm(path).then(
        () => true,
        () => false,
      )
    )
      removed.push(name);
  }
  return removed;
}
