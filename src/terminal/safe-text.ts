// Text from the network (names, messages, file names) is shown, never obeyed: a control
// character could clear the screen, set the title, move the cursor or forge a line, and a bidi
// control could make a line read differently from what it holds. Such characters are shown as
// visible escapes; everything else (including non-ASCII text) is left as it is.

/** C0 controls, DEL, C1 controls, line/paragraph separators and the bidi controls. */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1b': '\\e' };

const escapeOne = (c: string): string => {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
};

/** `text` with every unsafe character replaced by a visible escape (`\e`, `\r`, `\x07`, `\u{202e}`). */
export const safeText = (text: string): string => text.replace(UNSAFE, escapeOne);

/** True when `text` would be shown exactly as it is. */
export const isSafeText = (text: string): boolean => !new RegExp(UNSAFE.source, 'u').test(text);
