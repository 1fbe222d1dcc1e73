import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bulkUpdate } from '../../sim/dms/statements.js';
import { runCli } from '../helpers/cli.js';
import { ENV_FOR_CONFIG, writeEnvConfig } from '../helpers/config.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('cli_fix');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-fix-'));
const table = {
  target: { schema: 'public', name: 'rental' },
  columns: [
    { name: 'rental_id', castType: 'INTEGER' },
    { name: 'return_date', castType: 'TIMESTAMPTZ' },
  ],
  keyColumns: ['rental_id'],
};
const changes = { schema: 'dms', name: 'awsdms_changes0000c0ffee' };

describe('dms-companion fix explain', () => {
  it('prints target table, changes table, seq column and range, key pairs — as text and as JSON', async () => {
    const file = path.join(dir, 'update.sql');
    writeFileSync(file, bulkUpdate(table, changes, 1200, 1350, { shape: 'no-from' }).recorded);
    const text = await runCli(['fix', 'explain', '--statement-file', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('target table   public.rental');
    expect(text.stdout).toContain('seq range      seq 1200–1350');
    const json = await runCli(['fix', 'explain', '--statement-file', file, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      targetTable: { schema: 'public', name: 'rental' },
      changesTable: { schema: 'dms', name: 'awsdms_changes0000c0ffee' },
      seqColumn: 'seq',
      seqFrom: 1200,
      seqTo: 1350,
      keyPairs: [{ targetColumn: 'rental_id', changesColumn: 'seg1' }],
    });
  });

  it('exits non-zero with the reason for text cut off at 4000 characters', async () => {
    const wide = {
      ...table,
      columns: Array.from({ length: 80 }, (_v, i) => ({ name: `c${i}`, castType: 'VARCHAR(65535)' })),
    };
    const file = path.join(dir, 'cut.sql');
    writeFileSync(file, bulkUpdate(wide, changes, 1, 2, { shape: 'no-from' }).recorded.slice(0, 4000));
    const r = await runCli(['fix', 'explain', '--statement-file', file, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut off .*rebuild the full text from STL_QUERYTEXT/);
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 1 });
  });
});

describe('dms-companion holds', () => {
  it('lists holds from the state store on the target', async () => {
    const config = writeEnvConfig(env());
    const none = await runCli(['holds', '--config', config], ENV_FOR_CONFIG);
    expect(none.code).toBe(0);
    expect(none.stdout.trim()).toBe('no holds');
    await env().targetAdmin.query(
      `INSERT INTO dms_companion.holds (task_arn, owner, reason, created_at, was_running) VALUES ('arn:aws:dms:us-east-1:123456789012:task:PAGILA', ` +
        `'person', 'investigating', '2026-01-01 00:00:00', true)`,
    );
    const one = await runCli(['holds', '--config', config, '--json'], ENV_FOR_CONFIG);
    expect(JSON.parse(one.stdout)).toMatchObject({
      holds: [{ task: 'pagila', owner: 'person', reason: 'investigating', wasRunning: true }],
    });
  });
});
