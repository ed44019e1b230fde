import {
  createHash,
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';

// A stored secret is either a plain password (SPEC compatibility) or a self-describing scrypt
// line: `scrypt$N$r$p$<salt base64>$<hash base64>`. scrypt runs on libuv's thread pool, so
// verifying never blocks the event loop.
const PREFIX = 'scrypt$';
export const DEFAULT_SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

interface ScryptSecret {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Memory scrypt needs for these parameters (its V array plus the p blocks), with slack. */
const scryptMemory = (N: number, r: number, p: number): number =>
  128 * r * (N + p + 2) + 1024 * 1024;
// Stored hashes come from an administrator, but a typo must not make a login cost gigabytes.
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

function scrypt(
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
): Promise<Buffer> {
  const settings: ScryptOptions = {
    ...options,
    maxmem: scryptMemory(options.N, options.r, options.p),
  };
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, keylen, settings, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

export const isHashedSecret = (secret: string): boolean => secret.startsWith(PREFIX);

function parseScryptSecret(secret: string): ScryptSecret | undefined {
  const parts = secret.split('$');
  if (parts.length !== 6) return undefined;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  const valid =
    Number.isInteger(N) &&
    N > 1 &&
    (N & (N - 1)) === 0 &&
    N <= 2 ** 20 &&
    Number.isInteger(R) &&
    R >= 1 &&
    R <= 32 &&
    Number.isInteger(P) &&
    P >= 1 &&
    P <= 16 &&
    scryptMemory(N, R, P) <= MAX_SCRYPT_MEMORY;
  if (!valid) return undefined;
  const saltBytes = Buffer.from(salt, 'base64');
  const hashBytes = Buffer.from(hash, 'base64');
  if (saltBytes.length < 8 || hashBytes.length < 16) return undefined;
  return { N, r: R, p: P, salt: saltBytes, hash: hashBytes };
}

/** Whether a stored secret is usable: plain, or a well-formed scrypt line. */
export const isValidSecret = (secret: string): boolean =>
  !isHashedSecret(secret) || parseScryptSecret(secret) !== undefined;

export async function hashPassword(
  password: string,
  params: { N: number; r: number; p: number } = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEY_BYTES, params);
  return `${PREFIX}${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks `attempt` against `stored`. `decoy` is what an unknown user is checked against, so an
 * unknown username costs the same work (a digest, or a whole scrypt) as a known one.
 */
export async function verifyPassword(
  stored: string | undefined,
  attempt: string,
  decoy: string,
): Promise<boolean> {
  const secret = stored ?? decoy;
  let matches: boolean;
  if (isHashedSecret(secret)) {
    const parsed = parseScryptSecret(secret);
    if (!parsed) return false;
    const derived = await scrypt(attempt, parsed.salt, parsed.hash.length, {
      N: parsed.N,
      r: parsed.r,
      p: parsed.p,
    });
    matches = timingSafeEqual(derived, parsed.hash);
  } else {
    // Comparing fixed-length digests keeps the comparison constant-time whatever the lengths.
    matches = timingSafeEqual(digest(secret), digest(attempt));
  }
  return matches && stored !== undefined;
}

/** A decoy of the same kind as the stored secrets: hashed if any entry is hashed. */
export async function makeDecoySecret(secrets: Iterable<string>): Promise<string> {
  for (const secret of secrets) {
    const parsed = isHashedSecret(secret) ? parseScryptSecret(secret) : undefined;
    if (parsed)
      return hashPassword(randomBytes(12).toString('hex'), {
        N: parsed.N,
        r: parsed.r,
        p: parsed.p,
      });
  }
  return randomBytes(12).toString('hex');
}
