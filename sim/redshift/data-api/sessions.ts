import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { StatementRecord, StatementTarget } from './statements.js';

/**
 * Data API sessions: a statement submitted with `SessionKeepAliveSeconds` opens a session (its
 * `SessionId` comes back in the answer); statements submitted with that `SessionId` run on the same
 * database connection, so a transaction can span them. The session stays open `SessionKeepAliveSeconds`
 * after its last statement finishes ("The number of seconds to keep the session alive after the
 * query finishes": `SessionKeepAliveSeconds` in the API model), then closes; closing the connection
 * rolls back a transaction left open.
 */

/** Starts the keep-alive countdown; returns a function that stops it. */
export type KeepAliveTimer = (seconds: number, expire: () => void) => () => void;

export const defaultKeepAliveTimer: KeepAliveTimer = (seconds, expire) => {
  const t = setTimeout(expire, seconds * 1000);
  t.unref();
  return () => clearTimeout(t);
};

export interface Session {
  id: string;
  client: pg.Client;
  keepAliveSeconds: number;
  /** Where the session connects: the target of the statement that opened it. */
  target: StatementTarget;
  /** The statement running on it, if any. */
  busy?: StatementRecord | undefined;
  createdAt: Date;
  stopTimer?: (() => void) | undefined;
}

export class SessionStore {
  private readonly byId = new Map<string, Session>();

  constructor(
    private readonly timer: KeepAliveTimer,
    private readonly closeClient: (client: pg.Client) => Promise<void>,
  ) {}

  open(client: pg.Client, keepAliveSeconds: number, target: Omit<StatementTarget, 'sessionId'>): Session {
    const id = randomUUID();
    const session: Session = {
      id,
      client,
      keepAliveSeconds,
      target: { ...target, sessionId: id },
      createdAt: new Date(),
    };
    this.byId.set(id, session);
    return session;
  }

  /** An open session, or undefined when there never was one or it has expired. */
  get(id: string): Session | undefined {
    return this.byId.get(id);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** A statement starts on the session: the countdown stops. */
  claim(session: Session, statement: StatementRecord): void {
    session.stopTimer?.();
    session.stopTimer = undefined;
    session.busy = statement;
  }

  /** The session's statement ended: the countdown to expiry starts. */
  release(session: Session): void {
    session.busy = undefined;
    if (!this.byId.has(session.id)) return;
    session.stopTimer = this.timer(session.keepAliveSeconds, () => void this.expire(session.id));
  }

  /** Closes a session now (its keep-alive time has passed, or the endpoint stops). */
  async expire(id: string): Promise<void> {
    const session = this.byId.get(id);
    if (!session) return;
    this.byId.delete(id);
    session.stopTimer?.();
    await this.closeClient(session.client);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.ids().map((id) => this.expire(id)));
  }
}
