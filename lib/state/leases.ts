import type { SqlClient, SqlExecutor } from '../sql/client.js';
import { Params } from './params.js';
import type { StateTables } from './tables.js';

/**
 * Takes the lease `name` for `holder` until `now + ttlSeconds`, unless another holder has an unexpired one. In one
 * transaction under `LOCK` of the leases table (Redshift enforces no UNIQUE key, so the lock is what serialises).
 * @returns true when taken (or already held by `holder`).
 */
export async function takeLease(
  client: SqlClient,
  t: StateTables,
  name: string,
  holder: string,
  now: Date,
  ttlSeconds: number,
): Promise<boolean> {
  return client.transaction(async (tx) => {
    await tx.query(`LOCK ${t.table('leases')}`);
    const p = new Params();
    const r = await tx.query<{ holder: string }>(
      `SELECT holder FROM ${t.table('leases')} WHERE name = ${p.add(name)} AND expires_at > ${p.add(now)}`,
      p.values,
    );
    if (r.rows.some((x) => x.holder !== holder)) return false;
    const d = new Params();
    await tx.query(`DELETE FROM ${t.table('leases')} WHERE name = ${d.add(name)}`, d.values);
    const i = new Params();
    const expires = new Date(now.getTime() + ttlSeconds * 1000);
    await tx.query(
      `INSERT INTO ${t.table('leases')} (name, holder, acquired_at, expires_at) VALUES (${i.add(name)}, ${i.add(holder)}, ${i.add(now)}, ${i.add(expires)})`,
      i.values,
    );
    return true;
  });
}

export async function dropLease(exec: SqlExecutor, t: StateTables, name: string, holder: string): Promise<void> {
  const p = new Params();
  await exec.query(
    `DELETE FROM ${t.table('leases')} WHERE name = ${p.add(name)} AND holder = ${p.add(holder)}`,
    p.values,
  );
}
