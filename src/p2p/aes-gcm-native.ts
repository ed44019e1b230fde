// The native AES-256-GCM of the datagram seal (native/aes_gcm.c, built by `npm run build:native`):
// one OpenSSL context per key, a nonce per datagram, output into the caller's buffers. Node's
// createCipheriv makes a context and key schedule per datagram and allocates a zero-filled
// buffer per update: on 64 KiB datagrams that was about half of what sealing cost (BENCHMARKS.md,
// peer-to-peer section). The addon is optional: when it was not built (no compiler) or does not
// load, the seal uses node:crypto, and `nativeAesGcm.reason` says why.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** An OpenSSL cipher context bound to one key and one direction; freed with the object. */
export type NativeContext = { readonly __nativeAesGcmContext: unique symbol };

export interface NativeAesGcmBinding {
  context(key: Buffer, encrypt: boolean): NativeContext;
  /**
   * Writes into `out` (exactly head.length + payload.length + 16 bytes) the sealed datagram:
   * head's first `aadBytes` as they are (authenticated), the rest of head and then payload
   * encrypted, then the tag. The nonce is 4 zero bytes and `packetNumber` as 64 bits, big-endian.
   */
  seal(
    ctx: NativeContext,
    packetNumber: number,
    head: Buffer,
    aadBytes: number,
    payload: Buffer | null,
    out: Buffer,
  ): void;
  /**
   * Authenticates `sealed` (associated data of `aadBytes`, ciphertext, tag) and writes the
   * plaintext to `out` (the ciphertext's length; may be the ciphertext's own bytes). false when
   * the tag does not match, `out` then holding garbage.
   */
  open(
    ctx: NativeContext,
    packetNumber: number,
    sealed: Buffer,
    aadBytes: number,
    out: Buffer,
  ): boolean;
}

export type NativeAesGcm =
  | { readonly binding: NativeAesGcmBinding; readonly reason: null }
  | { readonly binding: null; readonly reason: string };

// native/ is at the package root: two levels above src/p2p, three above dist/src/p2p.
const NATIVE_DIRS = ['../../native/', '../../../native/'].map((up) =>
  fileURLToPath(new URL(up, import.meta.url)),
);

function load(): NativeAesGcm {
  if (process.env.TESSENGER_SEAL === 'node')
    return { binding: null, reason: 'TESSENGER_SEAL=node' };
  const dir = NATIVE_DIRS.find((d) => existsSync(`${d}aes_gcm.c`));
  if (dir === undefined) return { binding: null, reason: 'no native/ directory' };
  const addon = `${dir}build/Release/aes_gcm.node`;
  if (!existsSync(addon)) {
    const failed = `${dir}build-failed.txt`;
    const why = existsSync(failed)
      ? readFileSync(failed, 'utf8').trim()
      : 'npm run build:native was not run';
    return { binding: null, reason: why };
  }
  try {
    return { binding: createRequire(import.meta.url)(addon) as NativeAesGcmBinding, reason: null };
  } catch (e) {
    return { binding: null, reason: `does not load: ${e instanceof Error ? e.message : e}` };
  }
}

/** Loaded once, when the seal module is first imported. */
export const nativeAesGcm: NativeAesGcm = load();
