// The client's memory of servers it has trusted, like ssh's known_hosts: one line per host:port
// with the SHA-256 fingerprint of the certificate seen on first contact. A later contact with a
// different certificate is refused until the user removes the line.
import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { parseFingerprint, type Fingerprint } from '../../shared/certificate-fingerprint.js';

export type KnownServersError = { readonly type: 'KnownServersUnusable'; readonly message: string };

const HEADER =
  '# Tessenger known servers: "host:port fingerprint", one per line, added on first contact.\n# Delete a line to trust a server whose certificate changed.\n';

/** `$XDG_CONFIG_HOME/tessenger/known_servers`, else `~/.config/tessenger/known_servers` (`%APPDATA%` on Windows). */
export function defaultKnownServersFile(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
  platform: NodeJS.Platform = process.platform,
): string {
  const base =
    env.XDG_CONFIG_HOME ||
    (platform === 'win32' && env.APPDATA ? env.APPDATA : join(home, '.config'));
  return join(base, 'tessenger', 'known_servers');
}

/** How a server is named in the file: `127.0.0.1:5000`, `[::1]:5000`. */
export const serverKey = (host: string, port: number): string =>
  isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;

const codeOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** Parses the file's text; a malformed line is an error naming the file and line (never skipped silently). */
export function parseKnownServers(
  text: string,
  file: string,
): Result<Map<string, Fingerprint>, KnownServersError> {
  const pins = new Map<string, Fingerprint>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const [server, print, ...rest] = line.split(/\s+/);
    const fingerprint = parseFingerprint(print ?? '');
    if (
      server === undefined ||
      !/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):[0-9]{1,5}$/.test(server) ||
      rest.length > 0 ||
      fingerprint.isErr()
    ) {
      return err({
        type: 'KnownServersUnusable',
        message: `Malformed known-servers file ${file}:${i + 1}: expected "host:port SHA256:…". Fix or delete that line.`,
      });
    }
    // The first pin of a server wins: a later duplicate line cannot override it.
    if (!pins.has(server)) pins.set(server, fingerprint.value);
  }
  return ok(pins);
}

export class KnownServers {
  private constructor(
    readonly file: string,
    private readonly pins: Map<string, Fingerprint>,
  ) {}

  static load(file: string): ResultAsync<KnownServers, KnownServersError> {
    return ResultAsync.fromPromise(
      readFile(file, 'utf8').catch((e: unknown) => {
        if (codeOf(e) === 'ENOENT') return '';
        throw e;
      }),
      (e) => ({
        type: 'KnownServersUnusable' as const,
        message: `Cannot read the known-servers file ${file}: ${codeOf(e)}`,
      }),
    ).andThen((text) => parseKnownServers(text, file).map((pins) => new KnownServers(file, pins)));
  }

  pinned(host: string, port: number): Fingerprint | undefined {
    return this.pins.get(serverKey(host, port));
  }

  /** Records a first contact (the file and its directory are created private to the user). */
  remember(
    host: string,
    port: number,
    fingerprint: Fingerprint,
  ): ResultAsync<void, KnownServersError> {
    const key = serverKey(host, port);
    this.pins.set(key, fingerprint);
    const write = async () => {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      const fresh = await stat(this.file).then(
        () => false,
        () => true,
      );
      await appendFile(this.file, `${fresh ? HEADER : ''}${key} ${fingerprint}\n`, { mode: 0o600 });
    };
    return ResultAsync.fromPromise(write(), (e) => ({
      type: 'KnownServersUnusable' as const,
      message: `Cannot write the known-servers file ${this.file}: ${codeOf(e)}`,
    }));
  }
}
