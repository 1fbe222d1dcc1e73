import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor, type DoctorReport } from '../../jobs/doctor/index.js';
import { renderDoctor } from '../../jobs/doctor/render.js';
import { ManualClock } from '../../lib/clock.js';
import { PgClient } from '../../lib/sql/pg-client.js';
import { COMPANION_USER, LOCAL_PASSWORD, poolFor } from '../../sim/embedded.js';
import { asRedshiftSql } from '../../sim/redshift/dialect/gate.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { SIM_TASK_CONFIG } from '../helpers/config.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import { resetTarget, runFor } from '../helpers/sim.js';

const env = useEnvironment('doctor');
/** A target user without SYSLOG ACCESS UNRESTRICTED, used by this file only. */
const RESTRICTED = 'companion_restricted';
let sim: Simulation;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock('2026-05-04T09:00:00Z');
  sim = await createSimulation({ env: env(), clock });
  // Full load, then CDC: the DMS user's statements land in the (emulated) system tables.
  await runFor(clock, 30, new Workload(env().sourceAdmin, clock, { seed: 3, ratePerSecond: 5 }));
});

afterAll(async () => {
  await sim.close();
  await resetTarget(env().targetAdmin);
});

function doctor(overrides: Record<string, unknown> = {}): Promise<DoctorReport> {
  const config = simConfig(env(), {}, { metrics: { cloudwatch: 'off' }, ...overrides });
  return runDoctor(simDeps(env(), sim, clock, config));
}

const find = (r: DoctorReport, name: string) => r.checks.find((c) => c.name === name);

describe('dms-companion doctor', () => {
  it('passes on the embedded environment: connections, visibility, every table, key, type and privilege, state, AWS', async () => {
    const r = await doctor();
    expect(
      r.checks.filter((c) => c.status === 'fail'),
      renderDoctor(r),
    ).toEqual([]);
    expect(r.ok).toBe(true);
    expect(find(r, 'target: system-view visibility')).toMatchObject({ status: 'ok' });
    expect(find(r, 'target: system-view visibility')!.detail).toMatch(
      /statement\(s\) of dms_user visible in stl_query/,
    );
    for (const t of SIM_TASK_CONFIG.tables)
      for (const what of ['key', 'types', 'SELECT', 'INSERT', 'LOCK'])
        expect(find(r, `target: table ${t.target} ${what}`)?.status, `${t.target} ${what}`).toBe('ok');
    expect(find(r, 'aws: DescribeReplicationTasks pagila')).toMatchObject({ status: 'ok', detail: 'status running' });
    expect(find(r, 'target: DMS control tables')).toMatchObject({ status: 'ok' });
    // The embedded source runs without track_commit_timestamp: the settle rule's precondition is a warning.
    expect(find(r, 'source: commit timestamps')).toMatchObject({ status: 'warn' });
    expect(r.counts.warn).toBeGreaterThanOrEqual(1);
  });

  it('fails with the fix when the companion user lacks system-view visibility (SYSLOG ACCESS UNRESTRICTED)', async () => {
    // A user of its own: SYSLOG ACCESS belongs to the user, cluster-wide, and the companion user is shared with the
    // test files running meanwhile (revoking it there hid the DMS user's statements from them).
    await env().targetAdmin.query(
      `DO $$ BEGIN CREATE ROLE ${RESTRICTED} LOGIN PASSWORD '${LOCAL_PASSWORD}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
    );
    await env().targetAdmin.query(`GRANT USAGE ON SCHEMA public TO ${RESTRICTED}`);
    const target = new PgClient({
      role: 'target',
      dialect: 'redshift',
      connection: poolFor(env().server, env().databases.target, RESTRICTED),
      check: asRedshiftSql,
    });
    try {
      const { host, port } = env().server;
      const config = simConfig(
        env(),
        {},
        {
          metrics: { cloudwatch: 'off' },
          target: { kind: 'direct', host, port, database: env().databases.target, user: RESTRICTED, password: 'x' },
        },
      );
      const r = await runDoctor(simDeps(env(), sim, clock, config, { target }));
      expect(r.ok).toBe(false);
      const c = find(r, 'target: system-view visibility')!;
      expect(c.status).toBe('fail');
      expect(c.detail).toContain(
        'no statement of dms_user visible in stl_query in the last 24 h although DMS had changes to apply for pagila',
      );
      expect(c.fix).toContain(`ALTER USER "${RESTRICTED}" WITH SYSLOG ACCESS UNRESTRICTED`);
    } finally {
      await target.close();
    }
  });

  it('fails with the GRANT to run when the companion user lacks INSERT on a configured table', async () => {
    await env().targetAdmin.query(`REVOKE INSERT ON public.payment FROM ${COMPANION_USER}`);
    try {
      const r = await doctor();
      expect(r.ok).toBe(false);
      expect(find(r, 'target: table public.payment INSERT')).toMatchObject({
        status: 'fail',
        fix: `GRANT INSERT ON "public"."payment" TO "${COMPANION_USER}"`,
      });
      expect(find(r, 'target: table public.rental INSERT')!.status).toBe('ok');
    } finally {
      await env().targetAdmin.query(`GRANT INSERT ON public.payment TO ${COMPANION_USER}`);
    }
  });

  it('fails naming the column when a configured key column does not exist', async () => {
    const tables = SIM_TASK_CONFIG.tables.map((t) =>
      t.source === 'public.rental' ? { ...t, primaryKey: ['rental_no'] } : t,
    );
    const r = await doctor({ tasks: [{ ...SIM_TASK_CONFIG, tables }] });
    expect(r.ok).toBe(false);
    const src = find(r, 'source: table public.rental key')!;
    expect(src.status).toBe('fail');
    expect(src.detail).toContain('key column(s) rental_no do not exist');
    expect(src.fix).toBe('fix tasks[].tables[].primaryKey in the config');
    expect(find(r, 'target: table public.rental key')!.status).toBe('fail');
  });
});
