/**
 * What every `rook` command shares on its command line: `--help`/`-h` (answered before anything runs, with the
 * command's help and exit 0), mistakes reported as usage errors (the problem and the command's help on stderr,
 * exit 2) rather than as failures, and the number flags' checks.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line; `rook` prints it with the command's help and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Whether `--help` or `-h` comes before any `--` (after which everything is an argument). */
export function helpRequested(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** `parseArgs`, with its complaints (an unknown option, a missing value) as usage errors. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    if (String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
}

/** A whole-number flag from `min` to `max`; `fallback` when it is not given. */
export function wholeNumberFlag(flag: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const value = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new UsageError(`--${flag} must be a whole number ${range}; got ${JSON.stringify(raw)}.`);
  }
  return value;
}

/** The most tokens `--max-tokens` may ask for (as `rook.completion.maxTokens`). */
export const maxTokensLimit = 1024;

/** `--max-tokens N`: a whole number from 1 to `maxTokensLimit`. */
export function maxTokensFlag(raw: string | undefined, fallback: number): number {
  return wholeNumberFlag('max-tokens', raw, fallback, 1, maxTokensLimit);
}

/** The help line of `--max-tokens` for a command whose default is `fallback` tokens of `what`. */
export function maxTokensHelp(what: string, fallback: number): string {
  return `  --max-tokens N          longest ${what}, in tokens: a whole number from 1 to ${maxTokensLimit} (default ${fallback})`;
}
