import { z } from 'zod';
import type { RunRecord, StateStore } from '../lib/state/store.js';

/**
 * What each job writes into its run records' `summary` (JSON), and the typed readers that history-based decisions
 * use (the checker's past counts, gap-filling's "day done", the guards' tick counts). A summary that does not parse
 * — an older format, a cut text — is skipped, never guessed at.
 */

const n = z.number();
const text = z.string();
const opt = <T extends z.ZodType>(t: T) => t.optional().nullable();

export const runSummarySchemas = {
  checker: z.object({
    status: text,
    dmsUpdates: n,
    singleRowUpdates: n,
    rolledBackUpdates: n,
    cdcLatencyTarget: opt(n),
    action: text,
  }),
  fixer: z.object({ status: text, reason: opt(text), table: opt(text), missing: n, inserted: n, queryId: opt(text) }),
  gapfill: z.object({
    table: text,
    /** UTC day, `YYYY-MM-DD`. */
    day: text,
    /** False when only part of the day (up to the settle cutoff) was compared: the day is not done. */
    complete: z.boolean(),
    status: text,
    missing: n,
    extra: n,
    duplicated: n,
    stale: n,
    repaired: z.object({ inserted: n, replaced: n, deleted: n, deduped: n }),
  }),
  'maintenance-guard': z.object({ phase: text, windowStart: opt(text), actions: z.array(text) }),
  'memory-guard': z.object({ instance: text, decision: text, minimum: opt(n) }),
  /** One stop-and-resume of one task by the memory guard (`tick`: the memory-guard run that did it). */
  'memory-restart': z.object({ instance: text, tick: text, resumed: opt(z.boolean()), error: opt(text) }),
} as const;

export type RunKind = keyof typeof runSummarySchemas;
export type RunSummary<K extends RunKind> = z.infer<(typeof runSummarySchemas)[K]>;
export type TypedRun<K extends RunKind> = Omit<RunRecord, 'summary'> & { summary: RunSummary<K> };

/** Finished runs of `kind` (and task), newest first, with their summaries parsed; unparseable ones are left out. */
export async function recentRunsOf<K extends RunKind>(
  state: StateStore,
  kind: K,
  taskArn: string | undefined,
  limit: number,
): Promise<TypedRun<K>[]> {
  const runs = await state.recentRuns(kind, taskArn, limit);
  const schema = runSummarySchemas[kind];
  const out: TypedRun<K>[] = [];
  for (const r of runs) {
    const parsed = schema.safeParse(r.summary);
    if (parsed.success) out.push({ ...r, summary: parsed.data as RunSummary<K> });
  }
  return out;
}
