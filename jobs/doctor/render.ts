import type { DoctorReport } from './index.js';

/** One line per check (`ok`, `warn`, `FAIL`), the fix indented under each warning or failure, then the totals. */
export function renderDoctor(r: DoctorReport): string {
  const lines = r.checks.flatMap((c) => [
    `${c.status === 'fail' ? 'FAIL' : c.status.padEnd(4)}  ${c.name}: ${c.detail}`,
    ...(c.fix ? [`      fix: ${c.fix}`] : []),
  ]);
  lines.push(`${r.counts.ok} ok, ${r.counts.warn} warning(s), ${r.counts.fail} failure(s)`);
  return lines.join('\n');
}
