import arg from 'arg';
import { err, ok, Result } from 'neverthrow';
import {
  hideNegativeNumbers,
  parseIntegerOption,
  parseSecondsOption,
  restoreNegativeNumbers,
  usageError,
  type UsageError,
} from './parse-number.js';

/**
 * One row per command-line option: its flag, how its value is read, its range, its default and its
 * help text. Parsing, `--help` and the resulting config all come from the same row, so a default or
 * a range is written once.
 */
interface OptionBase {
  readonly flag: `--${string}`;
  readonly help: string;
  /** How the default is described in --help when it is not a plain value (e.g. "all interfaces"). */
  readonly defaultText?: string;
}

/** A whole number within [min, max]. */
export interface IntegerOption extends OptionBase {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/** A positive decimal number of seconds, given on the command line as seconds and held as milliseconds. */
export interface SecondsOption extends OptionBase {
  readonly kind: 'seconds';
  readonly defaultMs: number;
}

/** Free text such as a path or an address; `default` undefined means "not set". */
export interface TextOption extends OptionBase {
  readonly kind: 'text';
  readonly placeholder: string;
  readonly default: string | undefined;
}

/** Present or absent. */
export interface FlagOption extends OptionBase {
  readonly kind: 'flag';
}

/** One of a fixed set of words. */
export interface ChoiceOption<C extends string = string> extends OptionBase {
  readonly kind: 'choice';
  readonly choices: readonly C[];
  readonly default: C;
}

export type OptionSpec = IntegerOption | SecondsOption | TextOption | FlagOption | ChoiceOption;

/** Keys are the names of the config fields the options fill. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends IntegerOption | SecondsOption
  ? number
  : S extends TextOption
    ? S['default'] extends string
      ? string
      : string | undefined
    : S extends FlagOption
      ? boolean
      : S extends ChoiceOption<infer C>
        ? C
        : never;

export type OptionValues<T extends OptionTable> = { -readonly [K in keyof T]: ValueOf<T[K]> };

export interface ParsedCommandLine<T extends OptionTable> {
  readonly options: OptionValues<T>;
  readonly positionals: string[];
  readonly help: boolean;
}

function argSpec(table: OptionTable): arg.Spec {
  const spec: arg.Spec = { '--help': Boolean, '-h': '--help' };
  for (const option of Object.values(table))
    spec[option.flag] = option.kind === 'flag' ? Boolean : String;
  return spec;
}

function readValue(
  option: OptionSpec,
  raw: unknown,
): Result<number | string | boolean | undefined, UsageError> {
  switch (option.kind) {
    case 'integer':
      return parseIntegerOption(
        raw as string | undefined,
        option.flag,
        option.min,
        option.max,
        option.default,
      );
    case 'seconds':
      return parseSecondsOption(raw as string | undefined, option.flag, option.defaultMs);
    case 'text':
      return ok((raw as string | undefined) ?? option.default);
    case 'flag':
      return ok(raw === true);
    case 'choice': {
      if (raw === undefined) return ok(option.default);
      const text = String(raw);
      return option.choices.includes(text)
        ? ok(text)
        : err(
            usageError(
              `Invalid value for ${option.flag}: ${text}. Expected one of: ${option.choices.join(', ')}`,
            ),
          );
    }
  }
}

/** Parses `argv` against `table`: unknown options, missing values and out-of-range values are usage errors (exit 2). */
export function parseCommandLine<T extends OptionTable>(
  table: T,
  argv: string[],
  program: string,
): Result<ParsedCommandLine<T>, UsageError> {
  const parse = Result.fromThrowable(
    () =>
      restoreNegativeNumbers(
        arg(argSpec(table), { argv: hideNegativeNumbers(argv), permissive: false }),
      ),
    (e) =>
      usageError(`${e instanceof Error ? e.message : String(e)}\nRun ${program} --help for usage.`),
  );
  return parse().andThen((args) => {
    const entries = Object.entries(table).map(([key, option]) =>
      readValue(option, args[option.flag]).map((value) => [key, value] as const),
    );
    return Result.combine(entries).map((pairs) => ({
      options: Object.fromEntries(pairs) as OptionValues<T>,
      positionals: args._,
      help: args['--help'] === true,
    }));
  });
}

function describeDefault(option: OptionSpec): string {
  if (option.defaultText !== undefined) return ` (default: ${option.defaultText})`;
  switch (option.kind) {
    case 'integer':
      return ` (default ${option.default})`;
    case 'seconds':
      return ` (default ${option.defaultMs / 1000})`;
    case 'text':
      return option.default === undefined ? '' : ` (default ${option.default})`;
    case 'flag':
      return '';
    case 'choice':
      return ` (default ${option.default})`;
  }
}

function placeholderOf(option: OptionSpec): string {
  switch (option.kind) {
    case 'integer':
    case 'seconds':
      return ' N';
    case 'text':
      return ` ${option.placeholder}`;
    case 'flag':
      return '';
    case 'choice':
      return ` ${option.choices.join('|')}`;
  }
}

const HELP_COLUMN = 28;
const HELP_WIDTH = 100;

/** Splits `text` into lines of at most `width` characters at spaces (a longer word stays whole). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  return [...lines, current];
}

/** The "Options:" block of --help, one entry per row of the table (plus -h), wrapped to 100 columns. */
export function formatOptionHelp(table: OptionTable): string {
  const indent = ' '.repeat(HELP_COLUMN);
  const entry = (left: string, right: string) => {
    const [first = '', ...rest] = wrapWords(right, HELP_WIDTH - HELP_COLUMN);
    const padded = `  ${left}`;
    const head =
      padded.length + 1 <= HELP_COLUMN
        ? `${padded.padEnd(HELP_COLUMN)}${first}`
        : `${padded}\n${indent}${first}`;
    return [head, ...rest.map((line) => `${indent}${line}`)].join('\n');
  };
  const rows = Object.values(table).map((option) =>
    entry(`${option.flag}${placeholderOf(option)}`, `${option.help}${describeDefault(option)}`),
  );
  return ['Options:', ...rows, entry('-h, --help', 'show this help')].join('\n');
}
