// Where the audience puts an incoming file. Bytes go to a hidden temp file in the download
// directory (same file system, so the final step is a link/rename, never a copy); only a file
// whose SHA-256 matched is given its final name `<presenter>_<fileName>`. An existing file is
// never replaced: the first free name of `Yoda_a.mp4`, `Yoda_a (1).mp4`, `Yoda_a (2).mp4`, ...
// is used (the suffix goes before the last extension).
import { createHash } from 'node:crypto';
import { link, rename, rm, access } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultAsync } from 'neverthrow';
import { errorText, type TransferError } from './transfer-error.js';

const MAX_SUFFIX = 9999;

/** A file-name-safe form of the transfer id (the id comes from the server and is opaque). */
function safeId(transferId: string): string {
  return /^[A-Za-z0-9_-]{1,40}$/.test(transferId)
    ? transferId
    : createHash('sha256').update(transferId).digest('hex').slice(0, 16);
}

export function tempFilePath(downloadDir: string, fileName: string, transferId: string): string {
  const id = safeId(transferId);
  const preferred = `.${fileName}.${id}.part`;
  return join(
    downloadDir,
    Buffer.byteLength(preferred) <= 255 ? preferred : `.tessenger-${id}.part`,
  );
}

/** `Yoda_a.mp4` → `Yoda_a (n).mp4`; a leading dot is not an extension (`.bashrc` → `.bashrc (n)`). */
export function candidateName(presenter: string, fileName: string, n: number): string {
  const base = `${presenter}_${fileName}`;
  if (n === 0) return base;
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return `${base} (${n})`;
  const stem = base.slice(0, base.length - (fileName.length - dot));
  return `${stem} (${n})${fileName.slice(dot)}`;
}

function codeOf(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e
    ? String((e as { code: unknown }).code)
    : '';
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Gives the verified temp file its final name and returns that path. `link` fails with EEXIST
 * instead of replacing, so choosing a free name is race-free; where hard links are unsupported
 * we fall back to check-then-rename.
 */
export function publishVerifiedFile(
  tempPath: string,
  downloadDir: string,
  presenter: string,
  fileName: string,
): ResultAsync<string, TransferError> {
  return ResultAsync.fromPromise(publish(tempPath, downloadDir, presenter, fileName), (e) => ({
    type: 'DiskError' as const,
    path: downloadDir,
    detail: errorText(e),
  }));
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);

async function publish(
  tempPath: string,
  downloadDir: string,
  presenter: string,
  fileName: string,
): Promise<string> {
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const finalPath = join(downloadDir, candidateName(presenter, fileName, n));
    try {
      await link(tempPath, finalPath);
      await rm(tempPath, { force: true });
      return finalPath;
    } catch (e) {
      const code = codeOf(e);
      if (code === 'EEXIST') continue;
      if (!NO_HARD_LINKS.has(code)) throw e;
      if (await exists(finalPath)) continue;
      await rename(tempPath, finalPath);
      return finalPath;
    }
  }
  throw new Error('no free file name left');
}

/** Best effort: a temp file that cannot be removed is not worth a second error. */
export async function removeTempFile(tempPath: string): Promise<void> {
  await rm(tempPath, { force: true }).catch(() => undefined);
}
