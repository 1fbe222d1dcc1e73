import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Logging: pino, JSON lines in production, pretty-printed on a TTY. Logs go to **stderr** so a
 * command's stdout holds only its report (or its one JSON document with `--json`).
 * Secrets are redacted by key wherever they appear in a logged object.
 * A job's logger carries `job`, `task` and `runId` on every line (see {@link jobLogger}).
 */

const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  '*.*.*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'SecretAccessKey',
  '*.SecretAccessKey',
  'authorization',
  '*.authorization',
];

export interface LogOptions {
  level?: string;
  /** `auto`: pretty when stderr is a TTY. */
  format?: 'auto' | 'json' | 'pretty';
  /** Destination for JSON lines (default: stderr). Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream;
}

/** Creates the process's root logger. */
export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? 'info';
  const pretty =
    options.format === 'pretty' || (options.format !== 'json' && !options.destination && process.stderr.isTTY);
  const base = {
    level,
    redact: { paths: REDACT, censor: '***' },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (pretty) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(base, options.destination ?? pino.destination({ fd: 2, sync: true }));
}

/** A logger that discards everything (for library use and quiet tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A fresh run id: short, unique enough to grep for across a day of logs. */
export function newRunId(): string {
  return randomUUID().slice(0, 8);
}

/** The logger of one job run: every line carries `job`, `task` (when the run is for one task) and `runId`. */
export function jobLogger(root: Logger, job: string, runId: string, task?: string): Logger {
  return root.child(task === undefined ? { job, runId } : { job, task, runId });
}
