import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ENV_FOR_CONFIG, writeEnvConfig } from '../helpers/config.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('cli_typemap');

describe('dms-companion typemap', () => {
  it('ddl prints the Redshift CREATE TABLE for public.film', async () => {
    const config = writeEnvConfig(env());
    const r = await runCli(['typemap', 'ddl', '--table', 'public.film', '--config', config], ENV_FOR_CONFIG);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^CREATE TABLE "public"\."film" \(/);
    expect(r.stdout).toContain('"special_features" VARCHAR(65535)');
    expect(r.stdout).toContain('PRIMARY KEY ("film_id")');
    const json = await runCli(
      ['typemap', 'ddl', '--table', 'public.film', '--config', config, '--json'],
      ENV_FOR_CONFIG,
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      source: { schema: 'public', name: 'film' },
      primaryKey: ['film_id'],
    });
  });

  it("row prints the INSERT a repair would run, with the target's own types once the table exists", async () => {
    const config = writeEnvConfig(env());
    const before = await runCli(
      ['typemap', 'row', '--table', 'public.film', '--key', 'film_id=1', '--config', config, '--json'],
      ENV_FOR_CONFIG,
    );
    expect(before.code).toBe(0);
    const b = JSON.parse(before.stdout) as { targetExists: boolean; statements: string[] };
    expect(b.targetExists).toBe(false);
    expect(b.statements).toHaveLength(1);
    expect(b.statements[0]).toMatch(
      /^INSERT INTO "public"\."film" \("film_id", "title", .*\) VALUES \(1, 'ACADEMY DINOSAUR', /,
    );
    expect(b.statements[0]).toContain(`'["Deleted Scenes","Behind the Scenes"]'`);

    // A user-created target with SUPER for the array: the target's real type wins.
    await env().target
      .query(`CREATE TABLE public.film (film_id integer, title varchar(255), description varchar(65535), release_year integer, language_id smallint,
      original_language_id smallint, rental_duration smallint, rental_rate numeric(4,2), length smallint, replacement_cost numeric(5,2), rating varchar(10),
      last_update timestamptz, special_features super, fulltext varchar(65535))`);
    const after = await runCli(
      ['typemap', 'row', '--table', 'public.film', '--key', 'film_id=1', '--config', config],
      ENV_FOR_CONFIG,
    );
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('(target column types)');
    expect(after.stdout).toContain(`JSON_PARSE('["Deleted Scenes","Behind the Scenes"]')`);
    // The printed statement runs as is on the target.
    const statement = after.stdout
      .split('\n')
      .filter((l) => l.startsWith('INSERT'))
      .join('\n')
      .replace(/;$/, '');
    await env().target.query(statement);
    const back = await env().target.query<{ sf: unknown }>(
      'SELECT special_features AS sf FROM public.film WHERE film_id = 1',
    );
    expect(back.rows[0]!.sf).toEqual(['Deleted Scenes', 'Behind the Scenes']);
  });

  it('explains what is wrong: missing row, bad key, unknown table', async () => {
    const config = writeEnvConfig(env());
    const missing = await runCli(
      ['typemap', 'row', '--table', 'public.film', '--key', 'film_id=99999', '--config', config],
      ENV_FOR_CONFIG,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no row with film_id=99999 in source table public.film');
    const badKey = await runCli(
      ['typemap', 'row', '--table', 'public.film', '--key', 'title=x', '--config', config],
      ENV_FOR_CONFIG,
    );
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('--key must name the primary key of public.film: film_id');
    const noTable = await runCli(['typemap', 'ddl', '--table', 'public.nope', '--config', config], ENV_FOR_CONFIG);
    expect(noTable.code).toBe(1);
    expect(noTable.stderr).toContain('source table public.nope does not exist');
  });

  it('row takes a quoted column name and values holding commas or "=", as pairs or as JSON', async () => {
    const config = writeEnvConfig(env());
    await env().sourceAdmin.query(
      'CREATE TABLE public."Odd Keys" ("Key Part" text, "n" integer, note text, PRIMARY KEY ("Key Part", "n"))',
    );
    await env().sourceAdmin.query(`INSERT INTO public."Odd Keys" VALUES ('a,b=c', 1, 'found'), ('a', 1, 'wrong')`);
    await env().sourceAdmin.query('GRANT SELECT ON public."Odd Keys" TO dms_companion');
    for (const key of ['"Key Part"="a,b=c",n=1', '{"Key Part":"a,b=c","n":1}']) {
      const r = await runCli(
        ['typemap', 'row', '--table', 'public."Odd Keys"', '--key', key, '--config', config, '--json'],
        ENV_FOR_CONFIG,
      );
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { key: Record<string, string>; statements: string[] };
      expect(out.key).toEqual({ 'Key Part': 'a,b=c', n: '1' });
      expect(out.statements).toEqual([
        `INSERT INTO "public"."Odd Keys" ("Key Part", "n", "note") VALUES ('a,b=c', 1, 'found')`,
      ]);
    }
    const missing = await runCli(
      ['typemap', 'row', '--table', 'public."Odd Keys"', '--key', '"Key Part"="x,y",n=1', '--config', config],
      ENV_FOR_CONFIG,
    );
    expect(missing.stderr).toContain('no row with "Key Part"="x,y",n=1 in source table public.Odd Keys');
  });
});
