import type { HistoryView } from './model.js';

/** `dms-companion history` as text (`markdown: false`) or Markdown; times are UTC. */
export function renderHistory(v: HistoryView, o: { markdown: boolean; note?: string | undefined }): string {
  const md = o.markdown;
  const t = (iso: string) => iso.replace('T', ' ').slice(0, 19);
  const out: string[] = [];
  const head = (s: string) => out.push('', md ? `## ${s}` : `${s}:`);
  out.push(
    md ? `# dms-companion history ${t(v.since)} → ${t(v.until)} UTC` : `history ${t(v.since)} → ${t(v.until)} UTC`,
  );
  if (o.note) out.push(md ? `> ${o.note}` : `(${o.note})`);

  head('Runs');
  if (v.jobs.length === 0) out.push('no runs in this period');
  if (md && v.jobs.length) out.push('| job | runs | by status | last run |', '|---|---|---|---|');
  for (const j of v.jobs) {
    const by = Object.entries(j.byStatus)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    const last = j.last ? `${t(j.last.startedAt)} ${j.last.status}${j.last.task ? ` (${j.last.task})` : ''}` : '-';
    out.push(
      md
        ? `| ${j.job} | ${j.runs} | ${by} | ${last} |`
        : `  ${j.job.padEnd(18)} ${String(j.runs).padStart(5)} run(s): ${by}; last ${last}`,
    );
  }

  head('Timeline (holds, repairs, runs that did not end ok)');
  if (v.timeline.length === 0) out.push('nothing happened in this period');
  for (const e of v.timeline) {
    const who = [e.task && `task ${e.task}`, e.table && `table ${e.table}`].filter(Boolean).join(', ');
    out.push(
      md
        ? `- **${t(e.at)}** ${e.kind}${who ? ` (${who})` : ''}: ${e.text}`
        : `  ${t(e.at)}  ${e.kind.padEnd(7)} ${who ? `[${who}] ` : ''}${e.text}`,
    );
    for (const d of e.details ?? []) out.push(md ? `  - ${d}` : `                             ${d}`);
  }

  head('Gap-filling per day');
  if (v.coverage.length === 0) out.push('no gap-filling results in this period');
  if (md && v.coverage.length)
    out.push(
      '| table | day | result | missing | extra | duplicated | stale | repaired |',
      '|---|---|---|---|---|---|---|---|',
    );
  for (const c of v.coverage)
    out.push(
      md
        ? `| ${c.table} | ${c.day} | ${c.status} | ${c.missing} | ${c.extra} | ${c.duplicated} | ${c.stale} | ${c.repaired} |`
        : `  ${c.day}  ${c.table.padEnd(28)} ${c.status.padEnd(11)} missing ${c.missing}, extra ${c.extra}, duplicated ${c.duplicated}, ` +
            `stale ${c.stale}; repaired ${c.repaired}`,
    );

  head('Holds now');
  if (v.activeHolds.length === 0) out.push('none');
  for (const h of v.activeHolds)
    out.push(
      `${md ? '- ' : '  '}${h.task}: ${h.owner} since ${t(h.since)}${h.until ? ` until ${t(h.until)}` : ''} — ${h.reason}`,
    );
  return out.join('\n');
}
