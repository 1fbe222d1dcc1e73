import { describe, expect, it } from 'vitest';
import { repairMissingRows } from '../../lib/repair/insert-missing.js';
import { StateStore } from '../../lib/state/store.js';
import { DEFAULT_WRITE_OPTIONS, planTable } from '../../lib/typemap/index.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { useEnvironment } from '../helpers/env.js';

/**
 * VARCHAR(n) holds n bytes on Redshift, and so on the emulated target (docs/aws-facts.md §83): the
 * typemap measures text in bytes, so a multi-byte value of n characters but more than n bytes is
 * reported and skipped by a repair, and the rest of its chunk is written.
 */
const env = useEnvironment('typemap_bytes');

describe('VARCHAR lengths in bytes through a repair', () => {
  it('writes values of exactly n bytes, refuses one byte more (multi-byte characters), and writes the rest', async () => {
    const { sourceAdmin, targetAdmin, source, target } = env();
    await sourceAdmin.query('CREATE TABLE public.tb_bytes (id integer PRIMARY KEY, v text, c text)');
    await targetAdmin.query('CREATE TABLE public.tb_bytes (id integer, v varchar(4), c char(3))');
    await sourceAdmin.query(`GRANT SELECT ON public.tb_bytes TO ${COMPANION_USER}`);
    await targetAdmin.query(`GRANT SELECT, INSERT ON public.tb_bytes TO ${COMPANION_USER}`);
    await sourceAdmin.query(
      `INSERT INTO public.tb_bytes VALUES (1, 'abcd', 'abc'), (2, 'éé', 'ab'), (3, 'ééa', 'ab'), (4, '€a', 'a'), ` +
        `(5, '€ab', 'a'), (6, 'a', 'é'), (7, '😀', NULL)`,
    );
    // The emulated target refuses what Redshift refuses: 'ééa' is 3 characters but 5 bytes.
    await expect(target.query(`INSERT INTO public.tb_bytes VALUES (0, 'ééa', 'x')`)).rejects.toMatchObject({
      sqlState: '22001',
      message: expect.stringMatching(/value too long for type character varying\(4\)/) as unknown,
    });
    await expect(target.query(`INSERT INTO public.tb_bytes VALUES (0, 'a', 'é')`)).rejects.toMatchObject({
      sqlState: '22021',
    });
    const table = { schema: 'public', name: 'tb_bytes' };
    const plan = await planTable(source, target, table, table, { mapBooleanAsBoolean: false });
    const r = await repairMissingRows(target, source, new StateStore(target, 'dms_companion'), {
      plan,
      primaryKey: ['id'],
      keys: ['1', '2', '3', '4', '5', '6', '7'].map((k) => [k]),
      options: DEFAULT_WRITE_OPTIONS,
      budgetBytes: 100_000,
      log: { runId: 'r', job: 'fixer', taskArn: 'arn:x', reason: 'bytes', evidence: 'test', at: new Date() },
    });
    expect(r.inserted).toEqual([['1'], ['2'], ['4'], ['7']]);
    expect(r.refused.map((x) => [x.key, x.column, x.reason])).toEqual([
      ['id=3', 'v', 'text is 5 bytes; VARCHAR(4) holds 4 bytes (set typemap.truncateText to cut it)'],
      ['id=5', 'v', 'text is 5 bytes; VARCHAR(4) holds 4 bytes (set typemap.truncateText to cut it)'],
      ['id=6', 'c', 'CHAR columns hold single-byte characters only; make the target column VARCHAR'],
    ]);
    const back = await targetAdmin.query<{ v: string }>('SELECT v FROM public.tb_bytes ORDER BY id');
    expect(back.rows.map((x) => x.v)).toEqual(['abcd', 'éé', '€a', '😀']);
  });
});
