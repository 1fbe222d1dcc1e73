import type { EventEmitter } from 'node:events';
import { STOP_SIGNALS } from './run.js';

/**
 * Ctrl-C (SIGINT) and SIGTERM for the one-shot commands, the way `run` handles them: the first signal aborts the
 * jobs' signal (`deps.signal`), so the job stops at its next safe point — a `fix` keeps its hold with the reason
 * recorded, never a stopped task without one — and the command exits with the job's report. A second signal calls
 * `onForce` (exit at once; task control has recorded every hold before it stopped a task, so the next start completes
 * or resumes it).
 * @returns the signal to give the jobs, and `dispose` to remove the handlers once the command is done.
 */
export function abortOnStopSignal(
  emitter: EventEmitter,
  onFirst: (signal: string) => void,
  onForce: (signal: string) => void,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (signal: string) => {
    if (controller.signal.aborted) {
      onForce(signal);
      return;
    }
    controller.abort(new Error(`${signal} received`));
    onFirst(signal);
  };
  for (const s of STOP_SIGNALS) emitter.on(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of STOP_SIGNALS) emitter.off(s, handler);
    },
  };
}
