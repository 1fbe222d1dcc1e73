import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_STATEMENT_BYTES } from '../../lib/dms/apply-update.js';
import { bulkUpdate } from '../../sim/dms/statements.js';
import { runCli } from '../helpers/cli.js';

/** `dms-companion fix explain` as a process: it fails closed, answers intersections, and judges pathological text. */

const dir = mkdtempSync(path.join(os.tmpdir(), 'explain-'));
const CT = '"dms"."awsdms_changes0000c0ffee"';
const T = '"public"."rental"';
const upd = (where: string) =>
  `UPDATE /* partner:DMS 3.5.3 */ ${T} SET "return_date" = CAST(${CT}."col2" AS TIMESTAMPTZ) ` +
  `WHERE ${T}."rental_id" = CAST(${CT}."seg1" AS INTEGER) AND ${where}`;

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('dms-companion fix explain', () => {
  it('refuses a statement with a condition it does not understand: exit 1, the reason and the fragment', async () => {
    const f = file('in.sql', upd(`${CT}."seq" >= 5 AND ${CT}."seq" <= 10 AND ${CT}."op" IN ('U')`));
    const r = await runCli(['fix', 'explain', '--statement-file', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('a condition that is not a comparison (=, <, <=, >, >=, BETWEEN) is not understood');
    expect(r.stderr).toContain(`"\\"dms\\".\\"awsdms_changes0000c0ffee\\".\\"op\\" IN ('U')"`);
    const json = await runCli(['fix', 'explain', '--statement-file', f, '--json']);
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as { exitCode: number; error: string };
    expect(out.exitCode).toBe(1);
    expect(out.error).toMatch(/not a comparison .*IN \('U'\)/);
  });

  it('answers the intersection of repeated bounds, strict ones included', async () => {
    const f = file(
      'bounds.sql',
      upd(`${CT}."seq" >= 5 AND ${CT}."seq" <= 10 AND ${CT}."seq" <= 100000 AND ${CT}."seq" > 3`),
    );
    const r = await runCli(['fix', 'explain', '--statement-file', f, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      targetTable: { schema: 'public', name: 'rental' },
      seqColumn: 'seq',
      seqFrom: 5,
      seqTo: 10,
      keyPairs: [{ targetColumn: 'rental_id', changesColumn: 'seg1' }],
      conditions: 5,
      comment: 'partner:DMS 3.5.3',
    });
    const text = await runCli(['fix', 'explain', '--statement-file', f]);
    expect(text.stdout).toContain('seq range      seq 5–10');
    expect(text.stdout).toContain('conditions     5, every one understood');
  });

  it('judges a statement of almost 1 MB and refuses one over 1 MB', async () => {
    const wide = {
      target: { schema: 'public', name: 'rental' },
      columns: Array.from({ length: 12_500 }, (_v, i) => ({ name: `c${i}`, castType: 'VARCHAR(65535)' })),
      keyColumns: ['c0'],
    };
    const big = bulkUpdate(wide, { schema: 'dms', name: 'awsdms_changes0000c0ffee' }, 1, 2, {
      shape: 'no-from',
    }).recorded;
    expect(big.length).toBeGreaterThan(0.9 * MAX_STATEMENT_BYTES);
    expect(big.length).toBeLessThanOrEqual(MAX_STATEMENT_BYTES);
    const ok = await runCli(['fix', 'explain', '--statement-file', file('big.sql', big), '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ seqFrom: 1, seqTo: 2 });

    const over = await runCli([
      'fix',
      'explain',
      '--statement-file',
      file('over.sql', `${big} AND ${CT}."op" = '${'x'.repeat(100_000)}'`),
    ]);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/bytes, over the limit of 1048576 bytes/);
  });

  it('refuses 20,000 nested parentheses and a 1 MB run of tokens, saying why', async () => {
    const deep = upd(`${'('.repeat(20_000)}${CT}."seq" >= 5${')'.repeat(20_000)} AND ${CT}."seq" <= 10`);
    const nested = await runCli(['fix', 'explain', '--statement-file', file('deep.sql', deep)]);
    expect(nested.code).toBe(1);
    expect(nested.stderr).toMatch(/parentheses nested deeper than 64 levels/);

    const many = upd(`${CT}."seq" >= 5 AND ${CT}."seq" <= 10 AND ${'1 '.repeat(500_000)}`);
    const tokens = await runCli(['fix', 'explain', '--statement-file', file('tokens.sql', many)]);
    expect(tokens.code).toBe(1);
    expect(tokens.stderr).toMatch(/not a comparison/);
  });
});
