import type { HoldState } from '../state/holds.js';

/**
 * The per-task state machine of task control. A hold moves
 *
 * ```
 *   stop-requested ──▶ stopping ──▶ held ──▶ resume-pending ──▶ released
 *          │              │           │            │
 *          └──────────────┴───────────┴────────────┴──▶ abandoned   (a person acted on the task)
 * ```
 *
 * plus shortcuts: a hold on a task that is not running starts `held` (or `stopping` when someone else's stop is in
 * flight); a hold that is not the last one, or whose task was not running before the first hold, goes from `held`
 * straight to `released`; a `resume-pending` hold is `released` without a resume when a newer hold supersedes it.
 * Every move is recorded (lib/state/transitions.ts).
 */

/** Which moves are allowed (`undefined` = a new hold). */
const NEXT: Record<HoldState | 'new', readonly HoldState[]> = {
  new: ['stop-requested', 'stopping', 'held'],
  'stop-requested': ['stopping', 'held', 'released', 'abandoned'],
  stopping: ['held', 'released', 'abandoned', 'resume-pending'],
  held: ['resume-pending', 'released', 'abandoned'],
  'resume-pending': ['released', 'abandoned'],
  released: [],
  abandoned: [],
};

/** @throws Error when `from → to` is not a move of the state machine (a bug, never an input problem). */
export function assertTransition(from: HoldState | undefined, to: HoldState): void {
  if (!NEXT[from ?? 'new'].includes(to))
    throw new Error(`task control: a hold cannot go from ${from ?? 'new'} to ${to}`);
}

/** Statuses in which the task applies changes (or is about to). */
export function isRunning(status: string): boolean {
  return status === 'running' || status === 'starting';
}

/** Statuses a task that was asked to stop can end in (DMS: stopped; a failed or never-started task is not running either). */
export function isStopped(status: string): boolean {
  return status === 'stopped' || status === 'failed' || status === 'ready';
}

/** The job whose cool-down a failure of `owner`'s hold sets (the checker reads `fixer`'s). */
export function jobOfOwner(owner: string): string {
  if (owner === 'memory') return 'memory-guard';
  if (owner === 'maintenance') return 'maintenance-guard';
  return owner;
}
