import type { SqlClient } from '../../lib/sql/client.js';

/** A client that passes every statement on to `c` and keeps its text, in the order sent. */
export function recording(c: SqlClient): { client: SqlClient; sent: string[] } {
  const sent: string[] = [];
  const client = new Proxy(c, {
    get(target, prop, receiver) {
      if (prop === 'query')
        return (sql: string, params?: unknown[]) => {
          sent.push(sql);
          return target.query(sql, params as never);
        };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { client, sent };
}
