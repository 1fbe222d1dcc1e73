import { describe, expect, it } from 'vitest';
import { redshiftStringLiteral } from '../../lib/sql/quote.js';
import { DMS_USER } from '../../sim/embedded.js';
import { nextXid, recordStatement, recordTransactionEnd } from '../../sim/redshift/record.js';
import { useEnvironment } from '../helpers/env.js';
import { createBigKeyTable, keysNear2e62 } from '../helpers/sim.js';

const env = useEnvironment('emulation');

describe('embedded environment', () => {
  it('holds Pagila in the source: 16,044 rental rows', async () => {
    const r = await env().source.query<{ n: string }>('SELECT count(*) AS n FROM public.rental');
    expect(Number(r.rows[0]!.n)).toBe(16044);
  });
});

describe('Redshift emulation', () => {
  it('records a rolled-back UPDATE and gives it back through stl_query, sys_transaction_history and stl_querytext', async () => {
    const { targetAdmin } = env();
    // Piece 0 ends in five spaces, piece 1 starts with a multi-byte character; a newline sits on
    // the next boundary.
    const head = `UPDATE "public"."t" SET "c" = 'a`;
    const line1 = head + 'x'.repeat(195 - head.length) + '     ' + 'é' + 'y'.repeat(198);
    const text = [line1, `  WHERE "k" IN (SELECT "seg1" FROM "dms"."awsdms_changes0001") AND "c" <> '€'  `].join('\n');
    const xid = await nextXid(targetAdmin);
    const start = new Date('2026-11-21T10:00:00.123Z');
    await targetAdmin.transaction(async (tx) => {
      await recordStatement(tx, {
        text,
        userName: DMS_USER,
        xid,
        pid: 4242,
        startTime: start,
        endTime: new Date(start.getTime() + 1500),
      });
      await recordTransactionEnd(tx, {
        xid,
        userName: DMS_USER,
        pid: 4242,
        status: 'rolledback',
        startTime: start,
        endTime: new Date(start.getTime() + 2000),
        undoneTables: [{ schema: 'redshift_system', name: 'stl_query' }],
      });
    });

    const found = await targetAdmin.query<{ query: number; aborted: number; status: string }>(
      `SELECT q.query, q.aborted, trim(h.status) AS status
         FROM stl_query q JOIN sys_transaction_history h ON h.transaction_id = q.xid
        WHERE q.xid = $1 AND h.status = 'rolledback'`,
      [xid.toString()],
    );
    expect(found.rows).toHaveLength(1);
    expect(found.rows[0]!.aborted).toBe(0); // docs/aws-facts.md §3: a rolled-back UPDATE keeps aborted = 0

    const pieces = await targetAdmin.query<{ text: string }>(
      'SELECT text FROM stl_querytext WHERE query = $1 ORDER BY sequence',
      [found.rows[0]!.query],
    );
    expect(pieces.rows.length).toBeGreaterThan(2);
    for (const p of pieces.rows.slice(0, -1)) expect(Array.from(p.text)).toHaveLength(200);
    expect(pieces.rows[0]!.text.endsWith('x     ')).toBe(true);
    expect(pieces.rows[1]!.text.startsWith('éy')).toBe(true);
    expect(pieces.rows[1]!.text.endsWith('y\\')).toBe(true); // the logged \n straddles the boundary
    expect(pieces.rows[2]!.text.startsWith('n  WHERE')).toBe(true);
    const joined =
      pieces.rows
        .slice(0, -1)
        .map((p) => p.text)
        .join('') + pieces.rows.at(-1)!.text.trimEnd();
    expect(joined).toBe(text.replace(/\n/g, '\\n').trimEnd());
    expect(joined.replace(/\\n/g, '\n')).toBe(text.trimEnd());

    const undone = await targetAdmin.query('SELECT 1 FROM stl_undone WHERE xact_id_undone = $1', [xid.toString()]);
    expect(undone.rowCount).toBe(1);
    const rollback = await targetAdmin.query<{ text: string }>(
      'SELECT trim(text) AS text FROM stl_utilitytext WHERE xid = $1',
      [xid.toString()],
    );
    expect(rollback.rows.map((r) => r.text)).toEqual(['ROLLBACK']);
  });

  it("hides other users' rows and SYS_TRANSACTION_HISTORY from a user without the right grants", async () => {
    const { targetAdmin, targetDms, target } = env();
    const xid = await nextXid(targetAdmin);
    const t = new Date();
    await recordStatement(targetAdmin, {
      text: 'SELECT 1',
      userName: 'postgres',
      xid,
      pid: 1,
      startTime: t,
      endTime: t,
    });
    // The DMS user sees its own rows only; the companion (SYSLOG ACCESS UNRESTRICTED) sees all.
    const dmsSees = await targetDms.query('SELECT 1 FROM stl_query WHERE xid = $1', [xid.toString()]);
    const companionSees = await target.query('SELECT 1 FROM stl_query WHERE xid = $1', [xid.toString()]);
    expect(dmsSees.rowCount).toBe(0);
    expect(companionSees.rowCount).toBe(1);
    await expect(target.query('SELECT 1 FROM sys_transaction_history')).rejects.toThrow(/permission denied/);
  });

  it('reads string literals as Redshift does: backslash escapes, doubled quotes', async () => {
    const { target } = env();
    const r = await target.query<{ v: string }>(`SELECT 'a\\'b\\\\c' AS v`);
    expect(r.rows[0]!.v).toBe("a'b\\c");
    const s = "it's a \\path\\ with 'quotes' and \\n";
    const back = await target.query<{ v: string }>(`SELECT ${redshiftStringLiteral(s)} AS v`);
    expect(back.rows[0]!.v).toBe(s);
  });

  it('provides getdate(), json_parse(), to_varbyte(), from_hex(), strtol() and the super/varbyte types', async () => {
    // pg_typeof is PostgreSQL's: asked as the administrator, whose statements skip the dialect gate.
    const target = env().targetAdmin;
    const r = await target.query<Record<string, unknown>>(
      `SELECT getdate() AS now, json_parse('{"a":[1,2]}') AS j, to_varbyte('cafe', 'hex') AS vb, from_hex('00ff') AS fh,
              strtol('ff', 16) AS n, pg_typeof(json_parse('1'))::text AS t`,
    );
    const row = r.rows[0]!;
    expect(row.j).toEqual({ a: [1, 2] });
    expect(row.vb).toEqual(Buffer.from([0xca, 0xfe]));
    expect(row.fh).toEqual(Buffer.from([0x00, 0xff]));
    expect(Number(row.n)).toBe(255);
    expect(row.t).toBe('super');
    expect(Math.abs((row.now as Date).getTime() - Date.now())).toBeLessThan(60_000);
    await expect(target.query(`SELECT json_parse('{bad')`)).rejects.toThrow(/json/i);
  });
});

describe('Redshift semantics the emulation mirrors', () => {
  it('SUM of SMALLINT, INTEGER and BIGINT returns BIGINT and fails past 2^63 − 1 (docs/aws-facts.md §11.1)', async () => {
    const { target, targetAdmin } = env();
    await createBigKeyTable(targetAdmin, 'public', 'big_keys', keysNear2e62(3));
    // pg_typeof is PostgreSQL's, not Redshift's: asked as the administrator, past the dialect gate.
    const types = await targetAdmin.query<{ s2: string; s4: string; s8: string; d: string }>(
      `SELECT pg_typeof(sum(CAST(1 AS SMALLINT)))::text AS s2, pg_typeof(sum(CAST(1 AS INTEGER)))::text AS s4,
              pg_typeof(sum(k))::text AS s8, pg_typeof(sum(CAST(k AS DECIMAL(38, 0))))::text AS d
         FROM public.big_keys WHERE k < 0`,
    );
    expect(types.rows).toEqual([{ s2: 'bigint', s4: 'bigint', s8: 'bigint', d: 'numeric' }]);
    // Two keys near 2^62 already pass 2^63 − 1.
    await expect(target.query('SELECT sum(k) AS s FROM public.big_keys')).rejects.toThrow(/bigint out of range/);
    await expect(target.query('SELECT sum(CAST(k AS BIGINT)) AS s FROM public.big_keys')).rejects.toThrow(
      /out of range/,
    );
    const exact = await target.query<{ s: string }>(
      'SELECT sum(CAST(k AS DECIMAL(38, 0)))::varchar AS s FROM public.big_keys',
    );
    expect(BigInt(exact.rows[0]!.s)).toBe(keysNear2e62(3).reduce((a, b) => a + b, 0n));
    // Empty input: NULL, as every SQL SUM.
    const none = await target.query<{ s: unknown }>('SELECT sum(k) AS s FROM public.big_keys WHERE k < 0');
    expect(none.rows).toEqual([{ s: null }]);
    await targetAdmin.query('DROP TABLE public.big_keys');
  });

  it('STRTOL reads every documented form alike on its fast and general paths, and fails on bad digits or overflow', async () => {
    const { target } = env();
    // Cases for the fast path (1 to 15 plain hex digits) and for the general one (docs/aws-facts.md §80.2, §90).
    const cases: [string, number, string][] = [
      ['ff', 16, '255'],
      ['FF', 16, '255'],
      ['0xff', 16, '255'],
      ['0XFF', 16, '255'],
      ['  -ff', 16, '-255'],
      ['+7f', 16, '127'],
      ['0f', 16, '15'],
      ['00000000000000f', 16, '15'],
      ['fffffffffffffff', 16, '1152921504606846975'],
      ['7fffffffffffffff', 16, '9223372036854775807'],
      ['abcd1234', 16, '2882343476'],
      ['ABCDEF12', 16, '2882400018'],
      ['0000abcd', 16, '43981'],
      ['ffffffff', 16, '4294967295'],
      ['fffffff', 16, '268435455'],
      ['', 16, '0'],
      ['110101', 2, '53'],
      ['1234567', 8, '342391'],
      ['-z', 36, '-35'],
    ];
    for (const [text, base, want] of cases) {
      const r = await target.query<{ n: string }>('SELECT CAST(STRTOL($1, $2) AS VARCHAR(24)) AS n', [text, base]);
      expect(r.rows[0]!.n, `STRTOL('${text}', ${base})`).toBe(want);
    }
    // Per row from a column (the fast path inlined), as gap-filling calls it.
    const rows = await target.query<{ n: string }>(
      `SELECT CAST(sum(STRTOL(h, 16)) AS VARCHAR(24)) AS n FROM (SELECT 'ff' AS h UNION ALL SELECT '0x10' UNION ALL SELECT '000000000000001') x`,
    );
    expect(rows.rows[0]!.n).toBe('272');
    for (const bad of ['fg', 'ab ', '1x', '8000000000000000'])
      await expect(target.query('SELECT STRTOL($1, 16) AS n', [bad]), bad).rejects.toThrow(
        /hexadecimal digit|invalid digit|out of range/,
      );
    const none = await target.query<{ n: unknown }>('SELECT STRTOL(CAST(NULL AS VARCHAR(8)), 16) AS n');
    expect(none.rows).toEqual([{ n: null }]);
  });

  it('STRTOL(CRC32(…), 16) reads the checksum once a row, as the general STRTOL reads it; another base is refused', async () => {
    const { target, targetAdmin } = env();
    // The documented example, the empty text, multi-byte characters and 40 keys (checksums from 0… to f…); each read
    // straight, cast to VARCHAR (the general STRTOL), and inside an argument dearer than 10 operators.
    const texts = ['Amazon Redshift', '', 'a ', 'ü€😀', ...Array.from({ length: 40 }, (_x, i) => `key-${i * 7919}`)];
    await targetAdmin.query('CREATE TABLE public.crc_texts (i integer, t varchar(256))');
    await targetAdmin.query(
      'INSERT INTO public.crc_texts SELECT i, t FROM unnest($1::text[]) WITH ORDINALITY x(t, i)',
      [texts],
    );
    const r = await target.query<{ direct: string; general: string; long: string; long_general: string }>(
      `SELECT CAST(STRTOL(CRC32(t), 16) AS VARCHAR(24)) AS direct,
              CAST(STRTOL(CAST(CRC32(t) AS VARCHAR(8)), 16) AS VARCHAR(24)) AS general,
              CAST(STRTOL(CRC32(UPPER(LOWER(t)) || '|' || LOWER(t) || '|' || t || '|' || UPPER(t) || t), 16) AS VARCHAR(24)) AS long,
              CAST(STRTOL(CAST(CRC32(UPPER(LOWER(t)) || '|' || LOWER(t) || '|' || t || '|' || UPPER(t) || t) AS VARCHAR(8)), 16) AS VARCHAR(24)) AS long_general
         FROM public.crc_texts`,
    );
    expect(r.rows).toHaveLength(texts.length);
    for (const row of r.rows) {
      expect(row.direct).toBe(row.general);
      expect(row.long).toBe(row.long_general);
    }
    expect(r.rows[0]!.direct).toBe(String(0xf2726906));
    expect(r.rows.some((x) => Number(x.direct) < 0x10000000)).toBe(true);
    const none = await target.query<{ n: unknown }>('SELECT STRTOL(CRC32(CAST(NULL AS VARCHAR(8))), 16) AS n');
    expect(none.rows).toEqual([{ n: null }]);
    // One checksum a row, however dear the argument: the plan computes crc32c once.
    const plan = await targetAdmin.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (VERBOSE, COSTS OFF) SELECT sum(STRTOL(CRC32(UPPER(LOWER(t)) || '|' || LOWER(t) || t), 16)) FROM public.crc_texts`,
    );
    const text = plan.rows.map((p) => p['QUERY PLAN']).join('\n');
    expect(text.match(/crc32c\(/g)).toHaveLength(1);
    await expect(target.query(`SELECT STRTOL(CRC32('x'), 10) AS n`)).rejects.toThrow(
      /base 16 only; CAST the CRC32 AS VARCHAR/,
    );
    const cast = await target.query<{ n: string }>(`SELECT STRTOL(CAST(CRC32('x') AS VARCHAR(8)), 36) AS n`);
    expect(Number(cast.rows[0]!.n)).toBeGreaterThan(0);
    await targetAdmin.query('DROP TABLE public.crc_texts');
  });
});
