import { stringify } from 'yaml';
import { CompanionError, EXIT_PROBLEM, errorMessage } from '../lib/errors.js';

/** Options every command accepts (defined once on the program, usable after the command name). */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  dryRun?: boolean;
}

/**
 * Prints a command's result: one JSON document on stdout with `--json`, else the human text.
 */
export function printResult<T>(result: T, json: boolean | undefined, human: (r: T) => string): void {
  if (json) process.stdout.write(`${JSON.stringify(result, jsonReplacer, 2)}\n`);
  else process.stdout.write(`${human(result).replace(/\n*$/, '')}\n`);
}

/** JSON.stringify replacer: bigint as string, Buffer as hex, Date as ISO (UTC). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (
    value &&
    typeof value === 'object' &&
    (value as { type?: string }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return Buffer.from((value as { data: number[] }).data).toString('hex');
  }
  return value;
}

/** YAML rendering for human output of structured values. */
export function toYaml(value: unknown): string {
  return stringify(JSON.parse(JSON.stringify(value, jsonReplacer)) as unknown, { lineWidth: 120 });
}

/**
 * Runs a command body and turns its outcome into the process exit code:
 * the number it returns, or the error's exit code (2 for usage/config, 1 otherwise) with the
 * message on stderr (as JSON `{"error": …}` on stdout too with `--json`).
 */
export async function runCommand(
  json: boolean | undefined,
  body: () => Promise<number | void> | number | void,
): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? 0;
  } catch (err) {
    const exitCode = err instanceof CompanionError ? err.exitCode : EXIT_PROBLEM;
    const message = errorMessage(err);
    process.stderr.write(`dms-companion: ${message}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: message, exitCode })}\n`);
    if (!(err instanceof CompanionError) && process.env.DMS_COMPANION_DEBUG && err instanceof Error)
      process.stderr.write(`${err.stack}\n`);
    process.exitCode = exitCode;
  }
}
