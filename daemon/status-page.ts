import type { CoverageCell, HistoryView } from '../jobs/history/model.js';

/**
 * The status page served at `GET /` (read-only HTML, no script, no framework): the tasks and their holds now, the
 * last run of each job, recent repairs, and gap-filling's coverage grid (tables × days, coloured by result) — what
 * an on-call engineer wants at 3 a.m. Every value is HTML-escaped; nothing on it comes from a failing statement
 * (run summaries and repair-log rows are the project's own records; error messages stay in the log).
 */

export interface StatusModel {
  /** UTC, ISO. */
  now: string;
  tasks: {
    name: string;
    arn: string;
    holds: { owner: string; reason: string; since: string; until?: string | undefined }[];
  }[];
  /** The daemon's own view of each scheduled job (since it started). */
  jobs: {
    job: string;
    running: boolean;
    lastSuccess?: string | undefined;
    lastFailure?: string | undefined;
    ready: boolean;
  }[];
  history: HistoryView;
  /** Days shown in the grid (UTC, oldest first). */
  days: string[];
  /** Tables gap-filling compares (`schema.table`). */
  tables: string[];
}

const esc = (s: string | number | undefined) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const t = (iso: string | undefined) => (iso ? esc(iso.replace('T', ' ').slice(0, 19)) : '–');

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.3rem;margin:0 0 .2rem} h2{font-size:1.05rem;margin:1.6rem 0 .5rem}
table{border-collapse:collapse} th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa} .muted{color:#57606a} .bad{color:#b42318;font-weight:600} .good{color:#1a7f37}
td.cell{width:5.5rem;text-align:center;font-size:12px}
.ok{background:#c9f2d0} .repaired{background:#b6d7ff} .differences{background:#ffd8a8} .failed{background:#ffb3b3}
.partial,.skipped,.planned{background:#eceff1} .none{background:#fff}
.legend span{display:inline-block;padding:.1rem .5rem;margin-right:.3rem;border:1px solid #d0d7de}
ul{margin:.2rem 0;padding-left:1.2rem} code{font-size:12px}`;

function grid(m: StatusModel): string {
  const byKey = new Map<string, CoverageCell>(m.history.coverage.map((c) => [`${c.table} ${c.day}`, c]));
  const rows = m.tables.map((table) => {
    const cells = m.days.map((day) => {
      const c = byKey.get(`${table} ${day}`);
      const status = c?.status ?? 'none';
      const title = c
        ? `${table} ${day}: ${c.status}; missing ${c.missing}, extra ${c.extra}, duplicated ${c.duplicated}, stale ${c.stale}; repaired ${c.repaired}`
        : `${table} ${day}: not compared`;
      const label = c ? (c.repaired ? `${esc(c.status)} (${c.repaired})` : esc(c.status)) : '';
      const data = `data-table="${esc(table)}" data-day="${esc(day)}" data-status="${esc(status)}"`;
      return `<td class="cell ${esc(status)}" ${data} title="${esc(title)}">${label}</td>`;
    });
    return `<tr><th scope="row">${esc(table)}</th>${cells.join('')}</tr>`;
  });
  return (
    `<table id="coverage"><thead><tr><th>table \\ day (UTC)</th>${m.days.map((d) => `<th>${esc(d.slice(5))}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>` +
    `<p class="legend">${['ok', 'repaired', 'differences', 'failed', 'partial', 'none']
      .map(
        (s) => `<span class="${s}">${s === 'none' ? 'not compared' : s === 'partial' ? 'partial / skipped' : s}</span>`,
      )
      .join('')}</p>`
  );
}

const REPAIR_HEAD = '<tr><th>at (UTC)</th><th>task</th><th>table</th><th>what, keys and evidence</th></tr>';

/** The page as HTML text. */
export function renderStatusPage(m: StatusModel): string {
  const tasks = m.tasks
    .map(
      (task) =>
        `<tr data-task="${esc(task.name)}"><td>${esc(task.name)}</td><td><code>${esc(task.arn)}</code></td><td>${
          task.holds.length === 0
            ? '<span class="good">no hold</span>'
            : `<ul>${task.holds
                .map(
                  (h) =>
                    `<li class="hold"><b>${esc(h.owner)}</b> since ${t(h.since)}${h.until ? ` until ${t(h.until)}` : ''}: ${esc(h.reason)}</li>`,
                )
                .join('')}</ul>`
        }</td></tr>`,
    )
    .join('');
  const stored = new Map(m.history.jobs.map((j) => [j.job, j]));
  const jobs = m.jobs
    .map((j) => {
      const s = stored.get(j.job);
      return (
        `<tr data-job="${esc(j.job)}"><td>${esc(j.job)}</td><td>${j.running ? 'running' : ''}</td><td>${t(j.lastSuccess)}</td>` +
        `<td>${t(j.lastFailure)}</td><td>${s?.last ? `${t(s.last.startedAt)} ${esc(s.last.status)}` : '–'}</td>` +
        `<td>${
          s
            ? esc(
                Object.entries(s.byStatus)
                  .map(([k, n]) => `${n} ${k}`)
                  .join(', '),
              )
            : '–'
        }</td>` +
        `<td class="${j.ready ? 'good' : 'bad'}">${j.ready ? 'ready' : 'late'}</td></tr>`
      );
    })
    .join('');
  const repairs = m.history.timeline
    .filter((e) => e.kind === 'repair')
    .slice(-20)
    .reverse()
    .map(
      (e) =>
        `<tr class="repair"><td>${t(e.at)}</td><td>${esc(e.task)}</td><td>${esc(e.table)}</td><td>${esc(e.text)}<ul>${(
          e.details ?? []
        )
          .slice(0, 5)
          .map((d) => `<li><code>${esc(d)}</code></li>`)
          .join('')}</ul></td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>dms-companion status</title><style>${STYLE}</style></head>
<body>
<h1>dms-companion</h1><p class="muted">as of ${t(m.now)} UTC · history since ${t(m.history.since)} UTC · read-only</p>
<h2>Tasks and holds now</h2>
<table id="tasks"><thead><tr><th>task</th><th>ARN</th><th>holds</th></tr></thead><tbody>${tasks}</tbody></table>
<h2>Jobs</h2>
<table id="jobs"><thead><tr><th>job</th><th></th><th>last success</th><th>last failure</th><th>last recorded run</th>
<th>runs in period</th><th>readiness</th></tr></thead>
<tbody>${jobs}</tbody></table>
<h2>Recent repairs</h2>
${repairs ? `<table id="repairs"><thead>${REPAIR_HEAD}</thead><tbody>${repairs}</tbody></table>` : '<p id="repairs">no repairs in this period</p>'}
<h2>Gap-filling coverage</h2>
${grid(m)}
</body></html>
`;
}

/** The last `n` UTC days up to `now`, oldest first (`YYYY-MM-DD`). */
export function lastDays(now: Date, n: number): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}
