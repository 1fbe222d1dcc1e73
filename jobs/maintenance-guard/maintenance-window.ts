import type { ClusterInfo } from '../../lib/aws/redshift.js';

/**
 * Redshift maintenance windows (docs/aws-facts.md §6): `PreferredMaintenanceWindow` is
 * `ddd:hh24:mi-ddd:hh24:mi` in UTC (day names in any case, at least 30 minutes, may wrap past the
 * end of the week: `sat:23:30-sun:00:30`); `NextMaintenanceWindowStartTime` is the next start
 * AWS has planned; `DeferredMaintenanceWindows` are spans in which maintenance will not happen.
 * Pure functions: time in, windows out.
 */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEK_MS = 7 * 86_400_000;

export interface WeeklyWindow {
  /** Minutes from Sunday 00:00 UTC. */
  startMinute: number;
  /** Length in minutes (> 0). */
  minutes: number;
}

export interface WindowOccurrence {
  start: Date;
  end: Date;
}

/**
 * Parses `ddd:hh24:mi-ddd:hh24:mi`.
 * @throws Error naming the text when it is not such a window.
 */
export function parseMaintenanceWindow(text: string): WeeklyWindow {
  const m = /^\s*([a-z]{3}):(\d{2}):(\d{2})\s*-\s*([a-z]{3}):(\d{2}):(\d{2})\s*$/i.exec(text);
  const minute = (d: string, h: string, mi: string) => {
    const day = DAYS.indexOf(d.toLowerCase());
    const hh = Number(h);
    const mm = Number(mi);
    if (day < 0 || hh > 23 || mm > 59) return undefined;
    return day * 1440 + hh * 60 + mm;
  };
  const start = m ? minute(m[1]!, m[2]!, m[3]!) : undefined;
  const end = m ? minute(m[4]!, m[5]!, m[6]!) : undefined;
  if (start === undefined || end === undefined)
    throw new Error(`not a maintenance window like "wed:07:30-wed:08:00": ${JSON.stringify(text)}`);
  const minutes = (end - start + 7 * 1440) % (7 * 1440);
  if (minutes === 0) throw new Error(`maintenance window ${JSON.stringify(text)} has no length`);
  return { startMinute: start, minutes };
}

/** The occurrences of a weekly window whose end is after `from`, the first `count` of them. */
export function occurrencesAfter(w: WeeklyWindow, from: Date, count: number): WindowOccurrence[] {
  // Sunday 00:00 UTC of the week holding `from`.
  const d = new Date(from.getTime());
  const sunday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - d.getUTCDay());
  const out: WindowOccurrence[] = [];
  for (let week = -1; out.length < count; week++) {
    const start = sunday + week * WEEK_MS + w.startMinute * 60_000;
    const end = start + w.minutes * 60_000;
    if (end > from.getTime()) out.push({ start: new Date(start), end: new Date(end) });
  }
  return out;
}

export interface PlannedWindow extends WindowOccurrence {
  /** Where the start came from. */
  source: 'NextMaintenanceWindowStartTime' | 'PreferredMaintenanceWindow';
}

/** True when `start` falls in one of the cluster's deferred maintenance windows. */
export function isDeferred(c: ClusterInfo, start: Date): boolean {
  return c.deferredMaintenanceWindows.some((d) => start >= d.start && start <= d.end);
}

/**
 * The maintenance windows that matter from `now` on, earliest first: `NextMaintenanceWindowStartTime`
 * when reported, and occurrences of `PreferredMaintenanceWindow` (including the one in progress),
 * without those that start in a deferred window. A window's length is the preferred window's
 * (30 minutes when that cannot be read).
 * @param horizon windows ending before `now - horizon` are left out (seconds; covers a hold that
 *   outlasts the window).
 */
export function plannedWindows(c: ClusterInfo, now: Date, horizon: number): PlannedWindow[] {
  let weekly: WeeklyWindow | undefined;
  try {
    weekly = c.preferredMaintenanceWindow ? parseMaintenanceWindow(c.preferredMaintenanceWindow) : undefined;
  } catch {
    weekly = undefined;
  }
  const minutes = weekly?.minutes ?? 30;
  const from = new Date(now.getTime() - horizon * 1000);
  const out: PlannedWindow[] = [];
  if (c.nextMaintenanceWindowStartTime) {
    const start = c.nextMaintenanceWindowStartTime;
    out.push({ start, end: new Date(start.getTime() + minutes * 60_000), source: 'NextMaintenanceWindowStartTime' });
  }
  if (weekly) {
    for (const o of occurrencesAfter(weekly, from, 3)) {
      if (!out.some((x) => Math.abs(x.start.getTime() - o.start.getTime()) < 60_000))
        out.push({ ...o, source: 'PreferredMaintenanceWindow' });
    }
  }
  return out
    .filter((w) => !isDeferred(c, w.start) && w.end.getTime() > from.getTime())
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}

/**
 * When the guard stops the tasks for window `w`: `lead` seconds before its start.
 */
export function plannedStop(w: WindowOccurrence, lead: number): Date {
  return new Date(w.start.getTime() - lead * 1000);
}

/**
 * When the guard may resume the tasks after window `w` (UTC): the later of the window's end and
 * `start + hold − lead` (seconds). AWS sets only a minimum of 30 minutes for a window and may work
 * through all of it (docs/aws-facts.md §6.1, §14.4, §61.1), so a longer window keeps the hold to its
 * end; `hold − lead` is the shortest time after the start the guard waits, whatever the window.
 */
export function plannedResume(w: WindowOccurrence, hold: number, lead: number): Date {
  return new Date(Math.max(w.end.getTime(), w.start.getTime() + (hold - lead) * 1000));
}
