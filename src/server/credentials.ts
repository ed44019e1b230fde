import { readFile } from 'node:fs/promises';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { isValidSecret } from './password.js';
import { validateUserName } from '../shared/user-name.js';

export type CredentialsError =
  | { type: 'CredentialsUnreadable'; file: string; reason: string }
  | { type: 'CredentialsMalformed'; file: string; line: number; reason: string };

/** username → stored secret (a plain password, or a scrypt hash line; see password-hash.ts). */
export type Credentials = ReadonlyMap<string, string>;

// Printable, non-space ASCII plus any non-ASCII letter: SPEC allows `Obi-wan`, `wise@!manbaby`.
const TOKEN = /^[^\s\p{Cc}]+$/u;
const MAX_TOKEN_LENGTH = 256;

export function parseCredentials(
  text: string,
  file: string,
): Result<Credentials, CredentialsError> {
  const credentials = new Map<string, string>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').replace(/\r$/, '').replace(/[ \t]+$/, '');
    if (line === '') continue;
    const malformed = (reason: string) =>
      err<Credentials, CredentialsError>({
        type: 'CredentialsMalformed',
        file,
        line: index + 1,
        reason,
      });
    const parts = line.split(' ');
    if (parts.length !== 2)
      return malformed('expected "username password" separated by a single space');
    const [username, secret] = parts as [string, string];
    if (!TOKEN.test(username) || !TOKEN.test(secret))
      return malformed('username and password must be printable with no spaces');
    if (validateUserName(username).isErr())
      return malformed(
        'the username contains a bidirectional control character (U+202A-U+202E, U+2066-U+2069 or the like), which could make it display as another name',
      );
    if (username.length > MAX_TOKEN_LENGTH || secret.length > MAX_TOKEN_LENGTH)
      return malformed(`longer than ${MAX_TOKEN_LENGTH} characters`);
    if (credentials.has(username)) return malformed(`duplicate username "${username}"`);
    if (!isValidSecret(secret))
      return malformed(
        'malformed scrypt hash (expected scrypt$N$r$p$salt$hash, as printed by tessenger-server hash-password)',
      );
    credentials.set(username, secret);
  }
  return ok(credentials);
}

export function loadCredentials(file: string): ResultAsync<Credentials, CredentialsError> {
  return ResultAsync.fromPromise(readFile(file, 'utf8'), (e) => ({
    type: 'CredentialsUnreadable' as const,
    file,
    reason: (e as NodeJS.ErrnoException).code ?? String(e),
  })).andThen((text) => parseCredentials(text, file));
}

export function describeCredentialsError(error: CredentialsError): string {
  switch (error.type) {
    case 'CredentialsUnreadable':
      return `Cannot read credentials file ${error.file}: ${error.reason}`;
    case 'CredentialsMalformed':
      return `Malformed credentials file ${error.file}:${error.line}: ${error.reason}`;
  }
}
