import { err, ok, type Result } from 'neverthrow';
import { hasUnicodeLineBreak } from './unicode-safety.js';

/** Longest message text, in characters (code points). Documented in README and PROTOCOL.md. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 1000;

export type MessageTextError =
  | { type: 'MessageEmpty' }
  | { type: 'MessageTooLong'; limit: number }
  | { type: 'MessageInvalidChars' }
  | { type: 'MessageLineBreak' };

// C0/C1 controls and DEL would let a sender rewrite the receiver's terminal or forge log lines;
// a lone surrogate is not text at all (it could not be logged as it was shown).
const CONTROL = /[\p{Cc}\p{Cs}]/u;

/** Shared by client and server: the client checks first, the server never trusts it. */
export function validateMessageText(
  text: string,
  maxLength: number = DEFAULT_MAX_MESSAGE_LENGTH,
): Result<string, MessageTextError> {
  if (text.trim() === '') return err({ type: 'MessageEmpty' });
  // Checked before controls: NEL is a C1 control too, but what it does is break the line.
  if (hasUnicodeLineBreak(text)) return err({ type: 'MessageLineBreak' });
  if (CONTROL.test(text)) return err({ type: 'MessageInvalidChars' });
  // Code points never outnumber UTF-16 units, so only long texts need counting.
  if (text.length > maxLength) {
    let length = 0;
    for (const _ of text)
      if (++length > maxLength) return err({ type: 'MessageTooLong', limit: maxLength });
  }
  return ok(text);
}
