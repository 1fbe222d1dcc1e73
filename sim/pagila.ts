import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { packageRoot } from '../lib/paths.js';

/**
 * Loads the Pagila sample (data/pagila, unchanged from upstream) into a database: the schema file
 * as one multi-statement query, then the data file, whose `COPY … FROM stdin;` blocks are streamed
 * with COPY and whose other statements (setval, SET) are run as they come.
 * About 50,000 rows; a second or so.
 */
export async function loadPagila(client: pg.Client): Promise<void> {
  const dir = path.join(packageRoot(), 'data', 'pagila');
  await client.query(readFileSync(path.join(dir, 'pagila-schema.sql'), 'utf8'));
  const lines = readFileSync(path.join(dir, 'pagila-data.sql'), 'utf8').split('\n');
  let pending: string[] = [];
  const flush = async () => {
    const sql = pending.join('\n').trim();
    pending = [];
    if (sql) await client.query(sql);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^COPY .* FROM stdin;$/.test(line)) {
      await flush();
      const rows: string[] = [];
      for (i++; i < lines.length && lines[i] !== '\\.'; i++) rows.push(`${lines[i]!}\n`);
      const stream = client.query(copyFrom(line.replace(/;$/, '')));
      await pipeline(Readable.from(rows), stream);
      continue;
    }
    pending.push(line);
  }
  await flush();
  await client.query('ANALYZE');
}
