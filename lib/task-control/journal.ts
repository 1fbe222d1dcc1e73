import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { HoldState } from '../state/store.js';

/**
 * What task control could not write while the state store was unreachable: holds taken (the task was stopped all the
 * same) and releases asked for (no resume is sent while the store cannot say which other holds exist). Flushed into
 * the store, in order, by the first task-control call that reaches it again.
 *
 * In memory by default; with a file (`state.journal` in the config) it also survives a restart of the companion:
 * one JSON record per line, appended synchronously before the call returns, rewritten when records are flushed.
 */
export type JournalRecord =
  | {
      kind: 'hold';
      taskArn: string;
      owner: string;
      reason: string;
      /** UTC, ISO. */
      at: string;
      until?: string | undefined;
      runId?: string | undefined;
      /** The task was running when this hold was taken (the store's first hold decides at flush time). */
      wasRunning: boolean;
      state: HoldState;
      stopSent: boolean;
    }
  | { kind: 'release'; taskArn: string; owner: string; reason: string; at: string };

export interface HoldJournal {
  /** Records not yet in the store, oldest first. */
  pending(): JournalRecord[];
  append(r: JournalRecord): void;
  /** Drops the first `n` records (they are in the store now). */
  dropFirst(n: number): void;
}

export class MemoryJournal implements HoldJournal {
  protected records: JournalRecord[] = [];
  pending(): JournalRecord[] {
    return [...this.records];
  }
  append(r: JournalRecord): void {
    this.records.push(r);
  }
  dropFirst(n: number): void {
    this.records.splice(0, n);
  }
}

/** A journal kept in a file as well (JSON lines), read back at start. */
export class FileJournal extends MemoryJournal {
  /** @throws Error when the file exists but a line is not a journal record (the message names the line). */
  constructor(private readonly path: string) {
    super();
    if (!existsSync(path)) return;
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    this.records = lines.map((l, n) => {
      const r = JSON.parse(l) as JournalRecord;
      if (r.kind !== 'hold' && r.kind !== 'release')
        throw new Error(`${path}:${n + 1}: not a task-control journal record`);
      return r;
    });
  }
  override append(r: JournalRecord): void {
    appendFileSync(this.path, `${JSON.stringify(r)}\n`);
    super.append(r);
  }
  override dropFirst(n: number): void {
    super.dropFirst(n);
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, this.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    renameSync(tmp, this.path);
  }
}
