#!/usr/bin/env node
import { CommanderError } from 'commander';
import { EXIT_USAGE } from '../lib/errors.js';
import { buildProgram } from './program.js';

export async function main(argv: string[]): Promise<void> {
  // A closed pipe (`dms-companion … | head`) ends the output quietly, not with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode));
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with 0; every other commander error is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    throw err;
  }
}

/**
 * Ends the process with `process.exitCode` once stdout and stderr are flushed. Explicit, because
 * a library's exit hook (async-exit-hook, which sim/postgres-server.ts uses) would otherwise end it with 0.
 */
async function exitWhenFlushed(): Promise<never> {
  const code = typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0);
  await Promise.all(
    [process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))),
  );
  process.exit(code);
}

await main(process.argv);
await exitWhenFlushed();
