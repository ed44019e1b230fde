// Validation of the file name that travels between peers. The audience builds its final path
// from this name, so anything that could escape the download directory or confuse a terminal is
// refused here. The same pure function is used by the client (before asking), by the server (it
// never trusts a client) and by the audience (it never trusts the server either).
import { err, ok, type Result } from 'neverthrow';
import { hasBidiControl } from '../shared/unicode-safety.js';

/** Most file systems cap a single path component at 255 bytes (not characters). */
export const MAX_FILE_NAME_BYTES = 255;

export type FileNameError =
  | { readonly type: 'EmptyFileName' }
  | { readonly type: 'FileNameTooLong'; readonly bytes: number; readonly max: number }
  | { readonly type: 'FileNameHasSeparator'; readonly character: '/' | '\\' }
  | { readonly type: 'FileNameHasDotDot' }
  | { readonly type: 'FileNameIsDot' }
  | { readonly type: 'FileNameHasControlCharacter'; readonly codePoint: number }
  /** Bidirectional controls display `gpj.exe` as `exe.jpg`: a file could pass for another kind. */
  | { readonly type: 'FileNameHasBidiControl' };

// C0 controls, DEL and C1 controls: none of them belongs in a name shown in a terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/** Accepts a bare base name (e.g. `lecture1.mp4`) and returns it unchanged, or says why not. */
export function validateFileName(name: string): Result<string, FileNameError> {
  if (name.length === 0) return err({ type: 'EmptyFileName' });
  const control = CONTROL.exec(name);
  if (control)
    return err({ type: 'FileNameHasControlCharacter', codePoint: control[0].codePointAt(0) ?? 0 });
  if (hasBidiControl(name)) return err({ type: 'FileNameHasBidiControl' });
  if (name.includes('/')) return err({ type: 'FileNameHasSeparator', character: '/' });
  if (name.includes('\\')) return err({ type: 'FileNameHasSeparator', character: '\\' });
  if (name.includes('..')) return err({ type: 'FileNameHasDotDot' });
  if (name === '.') return err({ type: 'FileNameIsDot' });
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_FILE_NAME_BYTES)
    return err({ type: 'FileNameTooLong', bytes, max: MAX_FILE_NAME_BYTES });
  return ok(name);
}

/** One readable sentence per error, for the client and server to print. */
export function describeFileNameError(error: FileNameError): string {
  switch (error.type) {
    case 'EmptyFileName':
      return 'the file name is empty';
    case 'FileNameTooLong':
      return `the file name is too long (${error.bytes} bytes, at most ${error.max})`;
    case 'FileNameHasSeparator':
      return `the file name must not contain "${error.character}"`;
    case 'FileNameHasDotDot':
      return 'the file name must not contain ".."';
    case 'FileNameIsDot':
      return 'the file name must not be "."';
    case 'FileNameHasControlCharacter':
      return `the file name must not contain control characters (U+${error.codePoint.toString(16).padStart(4, '0').toUpperCase()})`;
    case 'FileNameHasBidiControl':
      return 'the file name must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069 and the like)';
  }
}
