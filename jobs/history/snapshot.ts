import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { StateHistory } from '../../lib/state/history.js';
import { UsageError } from '../../lib/errors.js';

/**
 * A state snapshot: what the state store held about a period, written to a JSON file — the demo writes one when it
 * ends (its embedded databases go with it), and `dms-companion history --state-file` reads it. `clock` tells how the
 * snapshot's times relate to real time: the demo runs on a simulated clock `speed` times faster than real time.
 */
export interface StateSnapshot {
  /** The history's "now" (simulated UTC for the demo). */
  takenAt: string;
  /** Real UTC time at `takenAt`, and simulated seconds per real second (1 outside the demo). */
  clock: { realTakenAt: string; speed: number };
  /** Task ARN → task name. */
  tasks: Record<string, string>;
  history: StateHistory;
}

const date = z.iso.datetime().transform((s) => new Date(s));
const opt = <T extends z.ZodType>(t: T) => t.optional();
const snapshotSchema = z.object({
  takenAt: z.iso.datetime(),
  clock: z.object({ realTakenAt: z.iso.datetime(), speed: z.number().positive() }),
  tasks: z.record(z.string(), z.string()),
  history: z.object({
    since: date,
    runs: z.array(
      z.object({
        runId: z.string(),
        job: z.string(),
        taskArn: opt(z.string()),
        startedAt: date,
        finishedAt: opt(date),
        status: z.enum(['running', 'ok', 'problem', 'failed', 'interrupted']),
        summary: z.unknown(),
      }),
    ),
    holds: z.array(
      z.object({
        taskArn: z.string(),
        owner: z.string(),
        reason: z.string(),
        createdAt: date,
        until: opt(date),
        releasedAt: opt(date),
        releaseReason: opt(z.string()),
        runId: opt(z.string()),
      }),
    ),
    repairs: z.array(
      z.object({
        runId: z.string(),
        job: z.string(),
        taskArn: z.string(),
        table: z.string(),
        key: z.string(),
        action: z.enum(['insert', 'delete', 'replace']),
        reason: z.string(),
        evidence: z.string(),
        at: date,
      }),
    ),
  }),
});

export function writeSnapshot(file: string, s: StateSnapshot): void {
  writeFileSync(file, `${JSON.stringify(s, null, 1)}\n`);
}

/** @throws UsageError naming the file and what is wrong with it. */
export function readSnapshot(file: string): StateSnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `--state-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  const p = snapshotSchema.safeParse(raw);
  if (!p.success)
    throw new UsageError(
      `--state-file ${file} is not a state snapshot: ${p.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  return p.data;
}

/**
 * Where a period of `sinceSeconds` of real time before `realNow` begins on the snapshot's clock: for the demo (60×),
 * "the last hour" right after it ran is its whole simulated run.
 */
export function snapshotSince(s: StateSnapshot, sinceSeconds: number, realNow: Date): Date {
  const lag = (realNow.getTime() - Date.parse(s.clock.realTakenAt)) / 1000;
  return new Date(Date.parse(s.takenAt) - (sinceSeconds - lag) * s.clock.speed * 1000);
}
