// Plain printable ASCII, without spaces, quotes or backslashes.
const PLAIN_NAME = /^[\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

/**
 * A name (user, group, file) as the console shows it. A plain ASCII name is shown as it is;
 * anything else is shown quoted, with every character outside printable ASCII escaped
 * (`"Y\u043eda"` for a Cyrillic look-alike of Yoda, `"\uff39\uff4f\uff44\uff41"` for a fullwidth
 * one), so no name can pass for another, add fake console lines or send terminal escapes.
 * Long names are cut at 64 characters.
 */
export const printableName = (name: string): string => {
  if (PLAIN_NAME.test(name)) return name;
  return JSON.stringify(name.slice(0, 64)).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
};
