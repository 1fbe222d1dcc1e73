import type { Config } from '../../config/schema.js';
import { readHistory, type StateHistory } from '../../lib/state/history.js';
import type { StateStore } from '../../lib/state/store.js';
import { StateTables } from '../../lib/state/tables.js';

/** The state store's records from `since` (UTC), optionally of one task (read-only; creates the schema if missing). */
export async function readStateHistory(state: StateStore, since: Date, taskArn?: string): Promise<StateHistory> {
  await state.ensureSchema();
  return readHistory(state.client, new StateTables(state.schema), since, taskArn);
}

/** Task ARN → name, from the config. */
export function taskNames(config: Config): Map<string, string> {
  return new Map(config.tasks.map((t) => [t.arn, t.name]));
}
