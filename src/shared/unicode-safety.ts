// Characters that are printable text to a validator but not to a reader.

/**
 * Unicode's bidirectional controls (the Bidi_Control property: U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069). Invisible, they reorder what follows them, so a name holding
 * one can display as another name (`Yoda` followed by U+202E …) or hide a file's real extension.
 */
const BIDI_CONTROL = /\p{Bidi_Control}/u;

/**
 * Line breaks beyond `\n`: NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR
 * (U+2029). Tools that split lines the Unicode way would see one log line as two.
 */
const UNICODE_LINE_BREAK = /[\u0085\u2028\u2029]/u;

export const hasBidiControl = (text: string): boolean => BIDI_CONTROL.test(text);
export const hasUnicodeLineBreak = (text: string): boolean => UNICODE_LINE_BREAK.test(text);
