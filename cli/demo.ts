import type { Command } from 'commander';
import { startEmbeddedServer, openEnvironment } from '../sim/embedded.js';
import { prepareTemplates } from '../sim/embedded.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';

interface DemoReport {
  server: { host: string; port: number };
  startupMs: number;
  source: { table: string; rows: number }[];
  target: { systemTables: string[]; standardConformingStrings: string; timezone: string };
}

/** `dms-companion demo`: starts the embedded environment (Pagila source, emulated Redshift target), shows both, and stops. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start the embedded environment (Pagila source + emulated Redshift target), show it, and stop')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, async () => {
        const t0 = Date.now();
        const server = await startEmbeddedServer();
        try {
          await prepareTemplates(server);
          const env = await openEnvironment(server, 'demo');
          try {
            const startupMs = Date.now() - t0;
            const counts = await env.sourceAdmin.query<{ table: string; rows: string }>(
              `SELECT c.relname AS table, c.reltuples::bigint::text AS rows FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.reltuples > 0 ORDER BY c.reltuples DESC`,
            );
            const sys = await env.target.query<{ name: string }>(
              `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'redshift_system' ORDER BY 1`,
            );
            const settings = await env.target.query<{ scs: string; tz: string }>(`SELECT current_setting('standard_conforming_strings') AS scs, current_setting('timezone') AS tz`);
            const report: DemoReport = {
              server: { host: server.host, port: server.port },
              startupMs,
              source: counts.rows.map((r) => ({ table: `public.${r.table}`, rows: Number(r.rows) })),
              target: { systemTables: sys.rows.map((r) => r.name), standardConformingStrings: settings.rows[0]!.scs, timezone: settings.rows[0]!.tz },
            };
            printResult(report, g.json, (r) =>
              [
                `embedded PostgreSQL on ${r.server.host}:${r.server.port}, ready in ${(r.startupMs / 1000).toFixed(1)} s`,
                '',
                'source (Pagila):',
                ...r.source.map((t) => `  ${t.table.padEnd(28)} ${String(t.rows).padStart(7)} rows`),
                '',
                'target (emulated Redshift):',
                `  system tables: ${r.target.systemTables.join(', ')}`,
                `  standard_conforming_strings = ${r.target.standardConformingStrings}, timezone = ${r.target.timezone}`,
              ].join('\n'),
            );
          } finally {
            await env.close();
          }
        } finally {
          await server.stop();
        }
      });
    });
}
