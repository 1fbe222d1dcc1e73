import type { QueryResult, Row, SqlClient, SqlExecutor, SqlParam } from '../lib/sql/client.js';

/**
 * Interleaving points where a test (or the demo) makes the world move while a job works: source
 * writes, DMS steps. Production has no such hooks — the source and DMS simply keep going; here
 * they run exactly where a race would hurt most.
 *
 * - `stop-task`: a job asked to stop the task (StopReplicationTask), before the stop takes effect:
 *   e.g. the fixer has read the source and not yet stopped the task;
 * - `before-lock`: a job's target transaction is about to `LOCK` a table (its repair begins): DMS
 *   may still apply changes here;
 * - `after-lock`: the job holds the table lock: the source keeps changing (DMS waits for the lock,
 *   so a hook here must not step the simulated task).
 */

export type InterleavePoint = 'stop-task' | 'before-lock' | 'after-lock';

export type InterleaveHook = (point: InterleavePoint) => Promise<void>;

export class Interleavings {
  private readonly hooks = new Map<InterleavePoint, InterleaveHook[]>();
  /** How often each point was reached (tests prove their hook ran). */
  readonly reached: Record<InterleavePoint, number> = { 'stop-task': 0, 'before-lock': 0, 'after-lock': 0 };

  /** Runs `hook` every time a job reaches `point`. */
  on(point: InterleavePoint, hook: InterleaveHook): void {
    this.hooks.set(point, [...(this.hooks.get(point) ?? []), hook]);
  }

  /** Runs `hook` the next time a job reaches `point` only. */
  once(point: InterleavePoint, hook: InterleaveHook): void {
    let done = false;
    this.on(point, async (at) => {
      if (done) return;
      done = true;
      await hook(at);
    });
  }

  /** Removes every hook. */
  clear(): void {
    this.hooks.clear();
  }

  async at(point: InterleavePoint): Promise<void> {
    this.reached[point]++;
    for (const hook of this.hooks.get(point) ?? []) await hook(point);
  }

  /** `client` for a job: each `LOCK` statement runs the `before-lock` hooks, then the `after-lock` ones. */
  target(client: SqlClient): SqlClient {
    const wrap =
      (ex: SqlExecutor): SqlExecutor['query'] =>
      async <R extends object = Row>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<R>> => {
        if (!/^\s*LOCK\s/i.test(sql)) return ex.query<R>(sql, params);
        await this.at('before-lock');
        const r = await ex.query<R>(sql, params);
        await this.at('after-lock');
        return r;
      };
    return {
      role: client.role,
      dialect: client.dialect,
      query: wrap(client),
      transaction: (fn) => client.transaction((tx) => fn({ query: wrap(tx) })),
      batch: (statements) => client.batch(statements),
      close: () => client.close(),
    };
  }
}
