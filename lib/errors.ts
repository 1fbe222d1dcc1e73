/**
 * Error types shared by every job and command, and the exit codes they map to.
 *
 * Exit codes (documented in `dms-companion --help`):
 * - 0: ok (nothing wrong, or everything found was repaired)
 * - 1: a job found a problem it could not fix, or failed
 * - 2: usage or configuration error (nothing was done)
 */
export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

/** Base class: carries the exit code the CLI should end with. */
export class CompanionError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options?.exitCode ?? EXIT_PROBLEM;
  }
}

/** A configuration file that cannot be read or does not validate. `problems` lists each one by path. */
export class ConfigError extends CompanionError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], header = 'invalid configuration') {
    super(`${header}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { exitCode: EXIT_USAGE });
    this.problems = problems;
  }
}

/** Bad command-line input (unknown task, malformed key, …). */
export class UsageError extends CompanionError {
  constructor(message: string) {
    super(message, { exitCode: EXIT_USAGE });
  }
}

/** Input that must not be acted upon: SQL text, a catalog mismatch, a row that cannot be written. */
export class RefusedError extends CompanionError {}

/** An AWS API answered something the toolkit cannot use, or did not reach the wanted state in time. */
export class AwsStateError extends CompanionError {}

/** A job stopped at a safe point because the daemon is shutting down. */
export class ShutdownError extends CompanionError {
  constructor(step: string) {
    super(`stopped before ${step}: the companion is shutting down`);
  }
}

/** Throws {@link ShutdownError} when `signal` is aborted (a checkpoint between a job's steps). */
export function checkpoint(signal: AbortSignal | undefined, step: string): void {
  if (signal?.aborted) throw new ShutdownError(step);
}

/** Renders any thrown value as one line for logs and reports. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
