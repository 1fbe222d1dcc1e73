/**
 * One thing the companion did (or gave up on) that a person should hear about: what, which task and table, why,
 * and how to undo it. Built from job outcomes in one place (jobs/notices.ts); sent by {@link Notifier}.
 */
export interface Notice {
  kind: 'stopped' | 'resumed' | 'restarted' | 'repaired' | 'gave-up' | 'differences';
  /** The job that acted (registry name). */
  job: string;
  task?: string | undefined;
  table?: string | undefined;
  /** What happened, one short sentence. */
  what: string;
  /** Why it happened (evidence, reason). */
  why: string;
  /** How to undo it, or what a person should do. */
  undo: string;
  /** Notices with the same key within the dedupe window are sent once. */
  key: string;
}

/** The one-message text: `what (task, table). Why: … Undo: …`. */
export function noticeText(n: Notice): string {
  const where = [n.task && `task ${n.task}`, n.table && `table ${n.table}`].filter(Boolean).join(', ');
  return `[dms-companion] ${n.what}${where ? ` (${where})` : ''}. Why: ${n.why}. Undo: ${n.undo}.`;
}

/** A short subject line: printable ASCII, under 100 characters (SNS Subject, docs/aws-facts.md §42.1). */
export function noticeSubject(n: Notice): string {
  const s = `dms-companion ${n.kind}: ${n.task ?? n.table ?? n.job}`.replace(/[^\x20-\x7e]/g, '?');
  return s.slice(0, 99);
}
