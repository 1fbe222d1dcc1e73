import type { Clock } from '../lib/clock.js';
import { SqlError, type SqlClient } from '../lib/sql/client.js';
import { Random } from './random.js';

/**
 * A seeded workload on the Pagila source: inserts, updates and deletes in `rental`, `payment`,
 * `customer` and `film` at a chosen rate. Row times (rental_date, payment_date) follow the
 * simulation clock, so a simulated day of activity lands in that UTC day. Monthly `payment`
 * partitions are created as the clock needs them.
 *
 * Deletes only touch rows the workload inserted (so no foreign key is violated): rentals without
 * payments, and payments.
 *
 * Two kinds of change whose day column and commit time disagree, off by default (weight 0):
 * - `rental-insert-backdated`: a rental whose `rental_date` lies 1–72 hours in the past, inserted
 *   now (late data): its old day is still in DMS's pipeline;
 * - `long-transaction`: a transaction that inserts a few rentals (dated when each statement runs)
 *   and stays open for `longTransactionSeconds` of simulated time before it commits. Logical
 *   decoding hands it to DMS only at its commit (docs/aws-facts.md §71.3, §99), so its rows reach
 *   the target long after their day column says. At most two are open at a time; they only insert,
 *   so no other statement ever waits on them.
 */

export type WorkloadOp =
  | 'rental-insert'
  | 'rental-update'
  | 'rental-delete'
  | 'payment-insert'
  | 'payment-update'
  | 'payment-delete'
  | 'customer-update'
  | 'film-update'
  | 'rental-insert-backdated'
  | 'long-transaction';

export const DEFAULT_MIX: Record<WorkloadOp, number> = {
  'rental-insert': 30,
  'rental-update': 20,
  'rental-delete': 5,
  'payment-insert': 20,
  'payment-update': 10,
  'payment-delete': 3,
  'customer-update': 7,
  'film-update': 5,
  'rental-insert-backdated': 0,
  'long-transaction': 0,
};

interface OpenTransaction {
  /** Simulated ms at which it commits. */
  commitAt: number;
  commit(): void;
  done: Promise<void>;
}

export interface WorkloadOptions {
  seed: number;
  /** Changes per second of simulated time. */
  ratePerSecond: number;
  mix?: Partial<Record<WorkloadOp, number>>;
  /** Statements per source transaction. */
  statementsPerTransaction?: number;
  /** How long a `long-transaction` stays open, in simulated seconds: [min, max] (default 120–600). */
  longTransactionSeconds?: [number, number];
}

export class Workload {
  private readonly random: Random;
  private readonly mix: [WorkloadOp, number][];
  private readonly total: number;
  private readonly newRentals: number[] = [];
  private readonly newPayments: number[] = [];
  private readonly partitions = new Set<string>();
  private carry = 0;
  private readonly openTransactions: OpenTransaction[] = [];
  readonly counts: Record<WorkloadOp, number> = Object.fromEntries(
    Object.keys(DEFAULT_MIX).map((k) => [k, 0]),
  ) as Record<WorkloadOp, number>;

  constructor(
    private readonly source: SqlClient,
    private readonly clock: Clock,
    private readonly options: WorkloadOptions,
  ) {
    this.random = new Random(options.seed);
    this.mix = Object.entries({ ...DEFAULT_MIX, ...options.mix }).filter(([, w]) => w > 0) as [WorkloadOp, number][];
    this.total = this.mix.reduce((a, [, w]) => a + w, 0);
  }

  /** Runs the changes due for `seconds` of simulated time (rate × seconds, fractions carried over). */
  async run(seconds: number): Promise<number> {
    await this.commitDue();
    const due = this.options.ratePerSecond * seconds + this.carry;
    const n = Math.floor(due);
    this.carry = due - n;
    await this.runOps(n);
    return n;
  }

  /** Runs exactly `n` changes. */
  async runOps(n: number): Promise<void> {
    const per = this.options.statementsPerTransaction ?? 20;
    for (let done = 0; done < n; done += per) {
      const picked = Array.from({ length: Math.min(per, n - done) }, () => this.pickOp());
      const ops = picked.filter((op) => op !== 'long-transaction');
      if (ops.length > 0)
        await this.source.transaction(async (tx) => {
          for (const op of ops) await this.apply(tx, op);
        });
      for (let i = ops.length; i < picked.length; i++) await this.openLongTransaction();
    }
  }

  /** One named change (tests use it to make a precise history). */
  async once(op: WorkloadOp): Promise<void> {
    if (op === 'long-transaction') await this.openLongTransaction();
    else await this.source.transaction((tx) => this.apply(tx, op));
  }

  /** Long transactions still open. */
  get openLongTransactions(): number {
    return this.openTransactions.length;
  }

  /** Commits the long transactions whose time has come (all of them with `all`). */
  async commitDue(all = false): Promise<number> {
    const now = this.clock.now().getTime();
    const due = this.openTransactions.filter((t) => all || t.commitAt <= now);
    for (const t of due) {
      this.openTransactions.splice(this.openTransactions.indexOf(t), 1);
      t.commit();
      await t.done;
    }
    return due.length;
  }

  /**
   * Opens a transaction that inserts 1–3 rentals now and commits at a seeded later time (see
   * {@link commitDue}); with two already open, the inserts commit at once instead.
   */
  private async openLongTransaction(): Promise<void> {
    const [min, max] = this.options.longTransactionSeconds ?? [120, 600];
    const inserts = this.random.int(1, 3);
    const commitAt = this.clock.now().getTime() + this.random.int(min, max) * 1000;
    if (this.openTransactions.length >= 2) {
      await this.source.transaction(async (tx) => {
        for (let i = 0; i < inserts; i++) await this.apply(tx, 'rental-insert');
      });
      this.counts['long-transaction']++;
      return;
    }
    let commit!: () => void;
    const gate = new Promise<void>((resolve) => (commit = resolve));
    let opened!: () => void;
    const ready = new Promise<void>((resolve) => (opened = resolve));
    const ids: number[] = [];
    const done = this.source.transaction(async (tx) => {
      for (let i = 0; i < inserts; i++) ids.push(await this.insertRental(tx, this.nowText()));
      opened();
      await gate;
    });
    await Promise.race([ready, done]);
    // Its rentals become deletable once it has committed.
    this.openTransactions.push({ commitAt, commit, done: done.then(() => void this.newRentals.push(...ids)) });
    this.counts['long-transaction']++;
  }

  private async insertRental(tx: { query: SqlClient['query'] }, rentalDate: string): Promise<number> {
    const r = this.random;
    const res = await tx.query<{ rental_id: string | number }>(
      `INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id) VALUES ($1, $2, $3, $4) RETURNING rental_id`,
      [rentalDate, r.int(1, 4581), r.int(1, 599), r.int(1, 2)],
    );
    return Number(res.rows[0]!.rental_id);
  }

  private pickOp(): WorkloadOp {
    let r = this.random.int(0, this.total - 1);
    for (const [op, w] of this.mix) {
      if (r < w) return op;
      r -= w;
    }
    return this.mix[0]![0];
  }

  private nowText(): string {
    // Microseconds from the random source keep the rental (date, inventory, customer) index unique.
    const t = this.clock.now();
    return `${t.toISOString().slice(0, 19)}.${String(this.random.int(0, 999_999)).padStart(6, '0')}+00`;
  }

  private async ensurePartition(tx: { query: SqlClient['query'] }): Promise<void> {
    const t = this.clock.now();
    const y = t.getUTCFullYear();
    const m = t.getUTCMonth() + 1;
    const name = `payment_p${y}_${String(m).padStart(2, '0')}`;
    if (this.partitions.has(name)) return;
    const from = `${y}-${String(m).padStart(2, '0')}-01 00:00:00+00`;
    const to = m === 12 ? `${y + 1}-01-01 00:00:00+00` : `${y}-${String(m + 1).padStart(2, '0')}-01 00:00:00+00`;
    // Another writer (a long transaction) may create the same partition between IF NOT EXISTS's check and its
    // insert into the catalog: that error is undone to a savepoint, the partition exists either way.
    await tx.query('SAVEPOINT ensure_partition');
    try {
      await tx.query(
        `CREATE TABLE IF NOT EXISTS public.${name} PARTITION OF public.payment FOR VALUES FROM ('${from}') TO ('${to}')`,
      );
      await tx.query('RELEASE SAVEPOINT ensure_partition');
    } catch (err) {
      if (!(err instanceof SqlError) || !['42P07', '23505'].includes(err.sqlState ?? '')) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT ensure_partition');
    }
    this.partitions.add(name);
  }

  private async apply(tx: { query: SqlClient['query'] }, op: WorkloadOp): Promise<void> {
    const r = this.random;
    switch (op) {
      case 'rental-insert':
        this.newRentals.push(await this.insertRental(tx, this.nowText()));
        break;
      case 'rental-insert-backdated': {
        // Late data: dated 1–72 hours ago, inserted now.
        const at = new Date(this.clock.now().getTime() - r.int(3_600, 72 * 3_600) * 1000);
        this.newRentals.push(
          await this.insertRental(
            tx,
            `${at.toISOString().slice(0, 19)}.${String(r.int(0, 999_999)).padStart(6, '0')}+00`,
          ),
        );
        break;
      }
      case 'long-transaction':
        throw new Error('a long transaction is opened on its own (openLongTransaction), never inside another');
      case 'rental-update': {
        const id = this.newRentals.length > 0 && r.chance(0.5) ? r.pick(this.newRentals) : r.int(1, 16049);
        await tx.query(`UPDATE public.rental SET return_date = $1, staff_id = $2 WHERE rental_id = $3`, [
          this.nowText(),
          r.int(1, 2),
          id,
        ]);
        break;
      }
      case 'rental-delete': {
        if (this.newRentals.length === 0) return this.apply(tx, 'rental-insert');
        const id = this.newRentals.splice(r.int(0, this.newRentals.length - 1), 1)[0]!;
        await tx.query(`DELETE FROM public.rental WHERE rental_id = $1`, [id]);
        break;
      }
      case 'payment-insert': {
        await this.ensurePartition(tx);
        const res = await tx.query<{ payment_id: string | number }>(
          `INSERT INTO public.payment (customer_id, staff_id, rental_id, amount, payment_date) VALUES ($1, $2, $3, $4, $5) RETURNING payment_id`,
          [
            r.int(1, 599),
            r.int(1, 2),
            r.int(1, 16049),
            `${r.int(0, 11)}.${String(r.int(0, 99)).padStart(2, '0')}`,
            this.nowText(),
          ],
        );
        this.newPayments.push(Number(res.rows[0]!.payment_id));
        break;
      }
      case 'payment-update': {
        const id = this.newPayments.length > 0 && r.chance(0.5) ? r.pick(this.newPayments) : r.int(16050, 32098);
        await tx.query(`UPDATE public.payment SET amount = $1 WHERE payment_id = $2`, [
          `${r.int(0, 11)}.${String(r.int(0, 99)).padStart(2, '0')}`,
          id,
        ]);
        break;
      }
      case 'payment-delete': {
        if (this.newPayments.length === 0) return this.apply(tx, 'payment-insert');
        const id = this.newPayments.splice(r.int(0, this.newPayments.length - 1), 1)[0]!;
        await tx.query(`DELETE FROM public.payment WHERE payment_id = $1`, [id]);
        break;
      }
      case 'customer-update': {
        await tx.query(`UPDATE public.customer SET email = $1, activebool = $2 WHERE customer_id = $3`, [
          `user${r.int(1, 1_000_000)}@example.org`,
          r.chance(0.9),
          r.int(1, 599),
        ]);
        break;
      }
      case 'film-update': {
        const features = [['Trailers'], ['Commentaries', 'Deleted Scenes'], ['Behind the Scenes'], []][r.int(0, 3)]!;
        await tx.query(`UPDATE public.film SET rental_rate = $1, special_features = $2::text[] WHERE film_id = $3`, [
          `${r.int(0, 9)}.99`,
          features,
          r.int(1, 1000),
        ]);
        break;
      }
    }
    this.counts[op]++;
  }
}
