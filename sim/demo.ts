import { createWriteStream } from 'node:fs';
import { formatBytes } from '../config/units.js';
import { ScaledClock } from '../lib/clock.js';
import { Daemon } from '../daemon/index.js';
import type { JobName } from '../daemon/actions.js';
import type { RunFinished } from '../daemon/runner.js';
import { readStateHistory, taskNames } from '../jobs/history/read.js';
import { writeSnapshot } from '../jobs/history/snapshot.js';
import type { JobDeps } from '../jobs/runtime.js';
import { errorMessage } from '../lib/errors.js';
import { createLogger, silentLogger } from '../lib/log.js';
import { parsedEnvConfig, simulatorDeps } from './companion.js';
import type { TableDiff } from './compare.js';
import { dropDatabases, openEnvironment, prepareTemplates, startEmbeddedServer, type Environment } from './embedded.js';
import { createSimulation, type Simulation } from './simulation.js';
import { dmsVariant, type DmsVariantName } from './dms/variants.js';
import { openSimTarget, type SimTarget, type TargetKind } from './target-kinds.js';
import { Workload } from './workload.js';

/**
 * The full demo (`npm run demo`): the embedded Pagila source and emulated Redshift target, the
 * simulated replication task under a seeded workload, a seeded fault schedule, and the daemon
 * with every job on an accelerated schedule — all on a clock that runs `speed` times faster than
 * real time (default 60: one real second is one simulated minute, so the jobs' production
 * schedules in minutes become the same numbers in seconds).
 *
 * The scenario (simulated time, from 23:30 UTC on a Saturday):
 * - +2 min: two rentals are written; +4 min: an UPDATE of one and the DELETE of the other are lost
 *   by DMS (found by gap-filling once the day is over and settled);
 * - +10 min: a rental INSERT is lost and the row is updated: the bulk UPDATE is rolled back and
 *   the task goes one-by-one (found by the checker, repaired by the fixer);
 * - +20 min: the replication instance starts leaking memory (the memory guard restarts the task);
 * - 00:20: the Redshift cluster reboots for maintenance (the guard stops the task before, resumes it after).
 *
 * The demo ends when the duration is over and every fault is repaired (or 60 real seconds later),
 * with a summary per fault and the comparison of source and target through the typemap.
 */

export interface DemoOptions {
  seed: number;
  /** Real seconds of scenario (at least {@link MIN_DEMO_SECONDS}). */
  duration: number;
  /** Simulated seconds per real second (default 60). */
  speed?: number;
  /** Workload changes per simulated second (default 1). */
  rate?: number;
  /** A one-line status, about four times a second. */
  onStatus?: (line: string) => void;
  /** One line per thing that happened (fault injected, a job found or did something). */
  onEvent?: (line: string) => void;
  /** Write the jobs' full JSON log here. */
  logFile?: string;
  /** Send the companion's notifications to this Slack-compatible webhook (`notify.webhook.url`). */
  notifyWebhook?: string | undefined;

  /** How the simulated DMS behaves where AWS leaves room (sim/dms/variants.ts; default `until-restart`). */
  dmsVariant?: DmsVariantName;
  /** How the companion reaches the emulated Redshift (sim/target-kinds.ts; default `direct`). */
  target?: TargetKind;
  /** Write the companion's state (runs, holds, repair log) here when the demo ends, for `dms-companion history`. */
  stateFile?: string | undefined;
}

export type DemoFaultKind = 'lost-insert' | 'lost-update' | 'lost-delete' | 'memory-leak' | 'maintenance-reboot';

export interface DemoFault {
  kind: DemoFaultKind;
  /** What it is, in words. */
  description: string;
  table?: string | undefined;
  key?: string[] | undefined;
  /** Simulated UTC times (ISO); null when it did not happen. */
  injectedAt: string | null;
  detectedBy: JobName | null;
  detectedAt: string | null;
  repairedAt: string | null;
  /** For a row fault: the evidence its repair used. */
  evidence?: 'changes-table' | 'apply-exceptions' | 'gapfill';
}

export interface DemoReport {
  seed: number;
  /** How the companion reached the emulated Redshift. */
  target: TargetKind;
  speed: number;
  durationSeconds: number;
  /** Real seconds from the start of the scenario to the comparison. */
  realSeconds: number;
  simulatedFrom: string;
  simulatedTo: string;
  faults: DemoFault[];
  allRepaired: boolean;
  targetEqualsSource: boolean;
  tables: TableDiff[];
  changesCaptured: number;
  changesApplied: number;
  /** Job runs by job. */
  runs: Record<string, number>;
  /** Problems the simulator itself ran into (none expected). */
  simulatorErrors: string[];
  /** The state snapshot written at the end (`dms-companion history --state-file <it>`). */
  stateFile?: string | undefined;
}

/** The scenario needs this many real seconds at speed 60 (the maintenance hold ends at +62 s). */
export const MIN_DEMO_SECONDS = 75;

const SIM_START = new Date('2026-11-21T23:30:00Z');
const MAINTENANCE_START = new Date('2026-11-22T00:20:00Z');
const MIB = 1024 * 1024;

/** The companion's config for the demo: production defaults, except where the scenario needs otherwise. */
function demoConfig(env: Environment, target: SimTarget, o: Pick<DemoOptions, 'notifyWebhook'>) {
  return parsedEnvConfig(env, {
    target: target.config,
    tasks: [
      {
        name: 'pagila',
        arn: 'arn:aws:dms:us-east-1:123456789012:task:PAGILA',
        replicationInstance: 'sim-instance',
        tables: [
          {
            source: 'public.rental',
            primaryKey: ['rental_id'],
            dayColumn: 'rental_date',
            versionColumn: 'last_update',
          },
          { source: 'public.payment', primaryKey: ['payment_id'] },
          { source: 'public.customer', primaryKey: ['customer_id'] },
          { source: 'public.film', primaryKey: ['film_id'] },
        ],
      },
    ],
    jobs: {
      // The demo's workload is small: fewer single-row UPDATEs make one-by-one mode visible.
      checker: { updateThreshold: 25 },
      gapfill: { settleLag: '10m', deleteExtra: true, catchUpDays: 2 },
      maintenanceGuard: { lead: '3m', hold: '15m' },
    },
    daemon: { host: '127.0.0.1', port: 0 },
    metrics: { cloudwatch: 'off' },
    ...(o.notifyWebhook ? { notify: { webhook: { url: o.notifyWebhook } } } : {}),
  });
}

/** Real-time cron schedules (6 fields, seconds first) that match the production ones in simulated time. */
function schedules(speed: number): Partial<Record<JobName, string>> {
  const every = (simSeconds: number) => `*/${Math.max(1, Math.round(simSeconds / speed))} * * * * *`;
  return { checker: every(180), 'memory-guard': every(60), 'maintenance-guard': every(60), gapfill: every(600) };
}

const hhmmss = (d: Date) => d.toISOString().slice(11, 19);

export async function runDemo(o: DemoOptions): Promise<DemoReport> {
  const speed = o.speed ?? 60;
  const event = o.onEvent ?? (() => undefined);
  const server = await startEmbeddedServer();
  try {
    await prepareTemplates(server);
    const env = await openEnvironment(server, `demo_${process.pid}`);
    try {
      return await scenario(env, o, speed, event);
    } finally {
      await env.close();
      await dropDatabases(server, env.databases).catch(() => undefined);
    }
  } finally {
    await server.stop();
  }
}

async function scenario(
  env: Environment,
  o: DemoOptions,
  speed: number,
  event: (line: string) => void,
): Promise<DemoReport> {
  const clock = new ScaledClock(SIM_START, speed);
  const say = (line: string) =>
    event(`[${hhmmss(clock.now())} +${(clock.realElapsedMs() / 1000).toFixed(1)}s] ${line}`);
  const sim = await createSimulation({
    env,
    clock,
    cluster: {
      preferredMaintenanceWindow: 'sun:00:20-sun:00:50',
      maintenance: [{ start: MAINTENANCE_START, rebootSeconds: 480 }],
    },
    faults: [{ kind: 'memory-leak', instance: 'sim-instance', atSeconds: 20 * 60, bytesPerSecond: 7.5 * MIB }],
    ...(o.dmsVariant ? { settings: { variant: dmsVariant(o.dmsVariant) } } : {}),
  });
  const logStream = o.logFile ? createWriteStream(o.logFile) : undefined;
  const target = await openSimTarget(env, o.target ?? 'direct');
  try {
    const config = demoConfig(env, target, o);
    const log = logStream ? createLogger({ level: 'info', format: 'json', destination: logStream }) : silentLogger();
    const deps = simulatorDeps(env, sim, clock, config, { log, target: target.client });
    const daemon = new Daemon(deps, { schedules: schedules(speed) });
    const faults = new FaultBook(clock);
    const runs: Record<string, number> = {};
    daemon.runner.onFinished((r) => {
      runs[r.job] = (runs[r.job] ?? 0) + 1;
      const line = faults.observe(r);
      if (line) say(line);
    });
    const workload = new Workload(env.sourceAdmin, clock, { seed: o.seed, ratePerSecond: o.rate ?? 1 });
    await daemon.start();
    say(
      `daemon started: checker ${schedules(speed).checker}, memory guard and maintenance guard ${schedules(speed)['memory-guard']}, gap-filling ` +
        `${schedules(speed).gapfill} (real-time cron; ${speed}× simulated time); http://127.0.0.1:${daemon.port}/healthz`,
    );
    say(`announced: Redshift maintenance reboot at ${hhmmss(MAINTENANCE_START)} UTC (8 min)`);

    const steps = scenarioSteps(env, sim, faults, say);
    const startReal = clock.realElapsedMs();
    let lastSim = clock.now().getTime();
    let lastStatus = 0;
    const seenInjected = new Set<unknown>();
    const tick = async (withWorkload: boolean) => {
      const now = clock.now().getTime();
      if (withWorkload) await workload.run((now - lastSim) / 1000);
      lastSim = now;
      while (steps.length > 0 && now - SIM_START.getTime() >= steps[0]!.at * 1000) await steps.shift()!.run();
      await sim.world.step();
      for (const f of sim.world.injected) {
        if (seenInjected.has(f)) continue;
        seenInjected.add(f);
        faults.injected(f);
        say(
          `fault: ${f.kind}${f.table ? ` ${f.table}` : ''}${f.key ? ` key ${f.key.join(',')}` : ''}${f.detail ? ` (${f.detail})` : ''}`,
        );
      }
      if (clock.realElapsedMs() - lastStatus >= 250) {
        lastStatus = clock.realElapsedMs();
        o.onStatus?.(status(sim, clock, faults, runs));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    while (clock.realElapsedMs() - startReal < o.duration * 1000) await tick(true);
    say('workload stopped; waiting for every fault to be repaired and the task to catch up');
    const deadline = clock.realElapsedMs() + 60_000;
    while (
      clock.realElapsedMs() < deadline &&
      !(faults.allRepaired() && sim.tasks.every((t) => t.status === 'running' && t.mode === 'batch' && t.backlog === 0))
    )
      await tick(false);
    await daemon.stop('demo over');
    // Let the task apply what is left (it must be running in batch mode).
    const drainUntil = clock.realElapsedMs() + 30_000;
    while (sim.tasks.some((t) => t.backlog > 0) && clock.realElapsedMs() < drainUntil) await tick(false);
    const tables = await sim.compare();
    if (o.stateFile) await saveState(o.stateFile, deps, clock, speed);
    const t = sim.tasks[0]!;
    const report: DemoReport = {
      seed: o.seed,
      target: target.kind,
      speed,
      durationSeconds: o.duration,
      realSeconds: Math.round((clock.realElapsedMs() - startReal) / 100) / 10,
      simulatedFrom: SIM_START.toISOString(),
      simulatedTo: clock.now().toISOString(),
      faults: faults.list(),
      allRepaired: faults.allRepaired(),
      targetEqualsSource: tables.every((d) => d.missing === 0 && d.extra === 0),
      tables,
      changesCaptured: t.counters.captured,
      changesApplied: t.counters.applied,
      runs,
      simulatorErrors: [...sim.world.errors],
      stateFile: o.stateFile,
    };
    o.onStatus?.(status(sim, clock, faults, runs));
    return report;
  } finally {
    await sim.close();
    await target.close();
    if (logStream) await new Promise((resolve) => logStream.end(resolve));
  }
}

/** The companion's state since the scenario began, as a snapshot `dms-companion history --state-file` reads. */
async function saveState(file: string, deps: JobDeps, clock: ScaledClock, speed: number): Promise<void> {
  writeSnapshot(file, {
    takenAt: clock.now().toISOString(),
    clock: { realTakenAt: new Date().toISOString(), speed },
    tasks: Object.fromEntries(taskNames(deps.config)),
    history: await readStateHistory(deps.state, SIM_START),
  });
}

/** The scenario's own actions, in simulated seconds from the start. */
function scenarioSteps(
  env: Environment,
  sim: Simulation,
  faults: FaultBook,
  say: (line: string) => void,
): { at: number; run: () => Promise<void> }[] {
  const src = env.sourceAdmin;
  const rentalAt = async () => {
    const r = await src.query<{ id: number }>(
      `INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id) VALUES ($1, 11, 11, 1) RETURNING rental_id AS id`,
      [sim.world.clock.now()],
    );
    return String(r.rows[0]!.id);
  };
  let updated = '';
  let deleted = '';
  let inserted = '';
  return [
    {
      at: 120,
      run: async () => {
        updated = await rentalAt();
        deleted = await rentalAt();
        say(`scenario: rentals ${updated} and ${deleted} written (replicated normally)`);
      },
    },
    {
      at: 240,
      run: async () => {
        faults.expect('lost-update', 'a lost UPDATE (the target keeps the old version)', 'public.rental', [updated]);
        faults.expect('lost-delete', 'a lost DELETE (the row stays on the target)', 'public.rental', [deleted]);
        sim.world.arm({ kind: 'lose-update', table: 'public.rental', key: [updated] });
        sim.world.arm({ kind: 'lose-delete', table: 'public.rental', key: [deleted] });
        await src.query('UPDATE public.rental SET return_date = $1 WHERE rental_id = $2', [
          sim.world.clock.now(),
          updated,
        ]);
        await src.query('DELETE FROM public.rental WHERE rental_id = $1', [deleted]);
        say(`scenario: rental ${updated} updated and rental ${deleted} deleted on the source; DMS will lose both`);
      },
    },
    {
      at: 600,
      run: async () => {
        inserted = await rentalAt();
        faults.expect(
          'lost-insert',
          'a lost INSERT, then an UPDATE of that row: the task goes one-by-one',
          'public.rental',
          [inserted],
        );
        sim.world.arm({ kind: 'lose-insert', table: 'public.rental', key: [inserted] });
        say(`scenario: rental ${inserted} inserted; DMS will lose the INSERT`);
      },
    },
    {
      at: 610,
      run: async () => {
        await src.query('UPDATE public.rental SET return_date = $1 WHERE rental_id = $2', [
          sim.world.clock.now(),
          inserted,
        ]);
        say(`scenario: rental ${inserted} updated: the next bulk UPDATE touches one row fewer than its changes`);
      },
    },
  ];
}

/** Each fault: when it was injected, which job found it first and when, when it was repaired. */
class FaultBook {
  private readonly faults: DemoFault[] = [
    {
      kind: 'memory-leak',
      description: 'the replication instance leaks memory (FreeableMemory falls)',
      injectedAt: null,
      detectedBy: null,
      detectedAt: null,
      repairedAt: null,
    },
    {
      kind: 'maintenance-reboot',
      description: 'a Redshift maintenance reboot (breaks a running task)',
      injectedAt: null,
      detectedBy: null,
      detectedAt: null,
      repairedAt: null,
    },
  ];
  private lastMaintenancePhase = 'idle';

  constructor(private readonly clock: ScaledClock) {}

  expect(kind: DemoFaultKind, description: string, table: string, key: string[]): void {
    this.faults.push({
      kind,
      description,
      table,
      key,
      injectedAt: null,
      detectedBy: null,
      detectedAt: null,
      repairedAt: null,
    });
  }

  list(): DemoFault[] {
    const order: DemoFaultKind[] = ['lost-update', 'lost-delete', 'lost-insert', 'memory-leak', 'maintenance-reboot'];
    return [...this.faults].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  }

  allRepaired(): boolean {
    return this.faults.length === 5 && this.faults.every((f) => f.injectedAt && f.detectedAt && f.repairedAt);
  }

  get repaired(): number {
    return this.faults.filter((f) => f.repairedAt).length;
  }

  /** A fault the world injected. */
  injected(f: { kind: string; injectedAt: Date; key?: string[] | undefined }): void {
    const kind = (
      {
        'lose-insert': 'lost-insert',
        'lose-update': 'lost-update',
        'lose-delete': 'lost-delete',
        'memory-leak': 'memory-leak',
        'maintenance-reboot': 'maintenance-reboot',
      } as Record<string, DemoFaultKind>
    )[f.kind];
    const mine = this.faults.find((x) => x.kind === kind && (!x.key || x.key.join() === f.key?.join()));
    if (mine && !mine.injectedAt) mine.injectedAt = f.injectedAt.toISOString();
  }

  private find(kind: DemoFaultKind): DemoFault | undefined {
    return this.faults.find((f) => f.kind === kind);
  }

  private detect(f: DemoFault | undefined, by: JobName): void {
    if (f && !f.detectedAt) {
      f.detectedAt = this.clock.now().toISOString();
      f.detectedBy = by;
    }
  }

  private repair(f: DemoFault | undefined, evidence?: DemoFault['evidence']): void {
    if (f && f.detectedAt && !f.repairedAt) {
      f.repairedAt = this.clock.now().toISOString();
      if (evidence) f.evidence = evidence;
    }
  }

  /** Reads a finished run; returns a line for the log when the run found or did something. */
  observe(r: RunFinished): string | undefined {
    if (!('report' in r)) return `${r.job}: FAILED — ${r.error}`;
    const has = (keys: string[][], f: DemoFault | undefined) =>
      !!f?.key && keys.some((k) => k.join() === f.key!.join());
    switch (r.job) {
      case 'checker': {
        const rep = r.report;
        const lost = this.find('lost-insert');
        for (const t of rep.tasks) {
          if (t.status === 'one-by-one') this.detect(lost, 'checker');
          if (t.fix && has(t.fix.inserted, lost)) this.repair(lost, t.fix.evidence?.kind ?? 'changes-table');
        }
        return rep.tasks.some((t) => t.status !== 'ok' || t.fix) ? `checker: ${r.summary}` : undefined;
      }
      case 'fixer': {
        const lost = this.find('lost-insert');
        const run = r.report.runs.find((x) => has(x.inserted, lost));
        if (run) {
          this.detect(lost, 'fixer');
          this.repair(lost, run.evidence?.kind ?? 'changes-table');
        }
        return `fixer: ${r.summary}`;
      }
      case 'gapfill': {
        const rep = r.report;
        const lines: string[] = [];
        for (const x of rep.results) {
          for (const [kind, list] of [
            ['lost-update', x.stale],
            ['lost-delete', x.extra],
            ['lost-insert', x.missing],
          ] as const) {
            const f = this.faults.find((y) => y.kind === kind && has(list, y));
            if (!f) continue;
            this.detect(f, 'gapfill');
            if (x.status === 'repaired') this.repair(f, 'gapfill');
          }
          if (x.status === 'skipped' && x.warnings.some((w) => w.startsWith('not settled yet'))) continue;
          const found = ['missing', 'extra', 'duplicated', 'stale']
            .map((c) => [c, x[c as 'missing'].length] as const)
            .filter(([, n]) => n > 0);
          const fixed = Object.entries(x.repaired).filter(([, n]) => n > 0);
          lines.push(
            `gapfill ${x.table} ${x.day}: ${x.status}, ${x.rowsCompared} rows compared in ${x.queries} ` +
              `queries` +
              (found.length ? `; found ${found.map(([c, n]) => `${n} ${c}`).join(', ')}` : '') +
              (fixed.length ? `; ${fixed.map(([c, n]) => `${n} ${c}`).join(', ')}` : ''),
          );
        }
        return lines.length ? lines.join('\n') : undefined;
      }
      case 'maintenance-guard': {
        const rep = r.report;
        const f = this.find('maintenance-reboot');
        if (rep.actions.some((a) => a.action === 'hold' && !a.error)) this.detect(f, 'maintenance-guard');
        if (rep.actions.some((a) => a.action === 'release' && a.result === 'resumed')) this.repair(f);
        const acted = rep.actions.some((a) => a.action !== 'none');
        const changed = rep.phase !== this.lastMaintenancePhase;
        this.lastMaintenancePhase = rep.phase;
        return acted || changed
          ? `maintenance-guard: ${r.summary}` +
              (rep.window
                ? ` (window ${hhmmss(new Date(rep.window.start))}–${hhmmss(new Date(rep.window.end))}, ` +
                  `resume planned ${hhmmss(new Date(rep.window.plannedResume))})`
                : '')
          : undefined;
      }
      case 'memory-guard': {
        const rep = r.report;
        const f = this.find('memory-leak');
        for (const i of rep.instances) {
          if (i.decision === 'restart') this.detect(f, 'memory-guard');
          if (i.restarted.some((x) => !x.error)) this.repair(f);
        }
        return rep.instances.some((i) => i.decision !== 'ok' && i.decision !== 'no-data')
          ? `memory-guard: ${r.summary}`
          : undefined;
      }
    }
  }
}

function status(sim: Simulation, clock: ScaledClock, faults: FaultBook, runs: Record<string, number>): string {
  const t = sim.tasks[0]!;
  const mem = formatBytes(sim.world.freeableMemory(t.spec.replicationInstance));
  const cluster = sim.world.clusterUnavailable() ? 'REBOOTING' : 'available';
  const n = Object.values(runs).reduce((a, b) => a + b, 0);
  return (
    `${hhmmss(clock.now())} UTC  task ${t.status}${t.stalled ? ' (stalled)' : ''} ${t.mode}  applied ${t.counters.applied}/${t.counters.captured} ` +
    ` latency ${t.latencySeconds().toFixed(0)} s  FreeableMemory ${mem}  cluster ${cluster}  faults repaired ${faults.repaired}/5  job runs ${n}`
  );
}

/** Renders the end-of-demo summary table (simulated UTC times). */
export function renderDemo(r: DemoReport): string {
  const t = (iso: string | null) => (iso ? iso.slice(11, 19) : '-');
  const rows = r.faults.map((f) => [
    f.kind,
    t(f.injectedAt),
    f.detectedBy ?? '-',
    t(f.detectedAt),
    t(f.repairedAt),
    f.key ? `${f.table} ${f.key.join(',')}` : f.description,
  ]);
  const head = ['fault', 'injected', 'detected by', 'detected', 'repaired', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const lines = [
    '',
    `simulated ${r.simulatedFrom.slice(0, 16).replace('T', ' ')} → ${r.simulatedTo.slice(11, 16)} UTC in ${r.realSeconds} s (${r.speed}×, seed ` +
      `${r.seed}); ${r.changesApplied} of ${r.changesCaptured} changes applied; job runs: ${Object.entries(r.runs)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    '',
    fmt(head),
    ...rows.map(fmt),
    '',
    'source vs target: ' +
      r.tables
        .map(
          (d) =>
            `${d.table} ${d.sourceRows}/${d.targetRows}${d.missing || d.extra ? ` (missing ${d.missing}, extra ${d.extra})` : ''}`,
        )
        .join(', '),
    r.allRepaired ? 'every fault detected and repaired' : 'NOT every fault was detected and repaired',
    r.targetEqualsSource ? 'target equals source' : 'target DIFFERS from source',
  ];
  if (r.simulatorErrors.length) lines.push(`simulator errors: ${r.simulatorErrors.map(errorMessage).join('; ')}`);
  return lines.join('\n');
}
