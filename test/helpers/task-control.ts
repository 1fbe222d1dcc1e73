import type { Clock } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import type { SqlClient } from '../../lib/sql/client.js';
import { StateStore } from '../../lib/state/store.js';
import { TaskControl } from '../../lib/task-control/index.js';
import type { Environment } from '../../sim/embedded.js';
import { fastTasksApi } from './dms-mock.js';

/** The schema the tests' state stores live in. */
export const STATE_SCHEMA = 'dms_companion';

/** Drops the state store (holds, transitions, runs…) so that a test starts with none. */
export async function dropStateStore(admin: SqlClient): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS ${STATE_SCHEMA} CASCADE`);
}

/**
 * Task control over the DMS adapter with fast polling (its SDK client faked by aws-sdk-client-mock in the test) and a
 * real state store on the environment's target.
 * @param stopTimeout seconds a stop or resume is awaited before it is given up.
 */
export function taskControlOn(env: Environment, clock: Clock, stopTimeout: number, log: Logger = silentLogger()) {
  return new TaskControl(fastTasksApi(), new StateStore(env.target, STATE_SCHEMA), clock, log, stopTimeout);
}
