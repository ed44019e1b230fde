const PLAIN_NAME = /^[^\s\p{Cc}\p{Cf}"\\]{1,64}$/u;

/**
 * A username as the console shows it. Names from the credentials file are plain and shown as
 * they are; anything else a client typed is shown as a quoted, escaped JSON string, so a
 * hostile "name" cannot add fake console lines or terminal escape sequences.
 */
export const printableName = (name: string): string => (PLAIN_NAME.test(name) ? name : JSON.stringify(name.slice(0, 64)));
