import { err, ok, type Result } from 'neverthrow';

export interface UsageError {
  message: string;
  exitCode: 2;
}

export const usageError = (message: string): UsageError => ({ message, exitCode: 2 });

const INTEGER = /^[0-9]+$/;

export function parsePort(
  value: string | undefined,
  what: string,
  allowZero: boolean,
): Result<number, UsageError> {
  const n = Number(value);
  const min = allowZero ? 0 : 1;
  if (value === undefined || !INTEGER.test(value) || n < min || n > 65535) {
    return err(
      usageError(
        `Invalid ${what}: ${value ?? '(missing)'}. The port must be an integer between ${min} and 65535`,
      ),
    );
  }
  return ok(n);
}

export function parseIntegerOption(
  value: number | string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
): Result<number, UsageError> {
  if (value === undefined) return ok(fallback);
  const text = String(value);
  const n = Number(text);
  if (!INTEGER.test(text) || n < min || n > max)
    return err(
      usageError(
        `Invalid value for ${name}: ${text}. Expected an integer between ${min} and ${max}`,
      ),
    );
  return ok(n);
}

/** Seconds as a positive decimal (e.g. `--block-seconds 0.5` in tests), returned in ms. */
export function parseSecondsOption(
  value: string | undefined,
  name: string,
  fallbackMs: number,
): Result<number, UsageError> {
  if (value === undefined) return ok(fallbackMs);
  const n = Number(value);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || n <= 0 || n > 86_400)
    return err(
      usageError(
        `Invalid value for ${name}: ${value}. Expected a number of seconds greater than 0`,
      ),
    );
  return ok(Math.round(n * 1000));
}

// `arg` reads `-1` as an option; SPEC wants "-1" judged as a (bad) value, so negative-looking
// words are hidden from it and restored afterwards, in positionals and option values alike.
const NEGATIVE = /^-[0-9.]/;
const HIDDEN = '\u0000';

export const hideNegativeNumbers = (argv: string[]): string[] =>
  argv.map((a) => (NEGATIVE.test(a) ? `${HIDDEN}${a}` : a));

const restore = (value: unknown): unknown =>
  typeof value === 'string' && value.startsWith(HIDDEN) ? value.slice(1) : value;

export function restoreNegativeNumbers<T extends { _: string[] }>(parsed: T): T {
  const restored = Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [
      key,
      Array.isArray(value) ? value.map(restore) : restore(value),
    ]),
  );
  return restored as T;
}
