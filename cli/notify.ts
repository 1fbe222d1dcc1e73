import { createNotifier, outcomeNotices, type OutcomeReport } from '../jobs/notices.js';
import type { Runtime } from '../jobs/runtime.js';

/**
 * Tells people what a one-shot command did, exactly as the daemon does for its runs (jobs/notices.ts derives the
 * notices; `notify:` names where they go). Never throws: a failed notification is logged and the command's result
 * stands.
 */
export async function notifyOutcome(rt: Runtime, outcome: OutcomeReport): Promise<void> {
  const notifier = createNotifier(rt.config, rt.clock, rt.log);
  await notifier?.send(outcomeNotices(outcome));
}
