import { dirname } from 'node:path';
import { writeFully, type StorageOptions } from './storage-fs.js';

/**
 * Replaces `file` with `content` (text, or the bytes themselves) so a reader (or a restart after
 * a crash) sees the old content or the new, never half of either: write a temp file, then rename
 * it over. With the `always` sync policy the temp file is fsynced before the rename and the
 * directory after it, so the new content is on stable storage once this resolves.
 */
export async function replaceFileAtomically(
  file: string,
  content: string | Buffer,
  storage: StorageOptions,
): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await storage.fs.open(temp, 'w');
  try {
    await writeFully(handle, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    if (storage.sync === 'always') await handle.sync();
  } finally {
    await handle.close();
  }
  await storage.fs.rename(temp, file);
  if (storage.sync === 'always') await storage.fs.syncDirectory(dirname(file));
}
