import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import {
  EnvironmentError,
  assertTempDirReachable,
  blockedDirectory,
  locateBinaries,
  reachableBinaries,
  runAsUser,
  type RunAs,
} from './postgres-binaries.js';

/**
 * One PostgreSQL server process on a fresh data directory under the OS temp dir: `initdb`, then
 * `postgres` until {@link PostgresProcess.stop} (or the end of this process) stops it and removes
 * the directory. Runs as the user {@link runAsUser} picks, from programs that user can reach.
 */
export interface PostgresProcess {
  stop(): Promise<void>;
}

export interface PostgresProcessOptions {
  port: number;
  superuser: string;
  password: string;
  initdbFlags: string[];
  /** Server settings, `name=value`. */
  settings: string[];
  onLog: (line: string) => void;
}

const running = new Set<() => Promise<void>>();
let hooked = false;

/**
 * Ctrl-C, SIGTERM or the end of the process stop every server this process started. Installed with
 * the first server only, so that merely importing this module changes no signal handling.
 */
function stopAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  const stopAll = () => Promise.all([...running].map((stop) => stop()));
  // On 'exit' the hook is called without a callback (nothing asynchronous can finish there).
  exitHook((done?: () => void) => void stopAll().then(() => done?.()));
  // async-exit-hook ends the process with code 0 on 'beforeExit', whatever `process.exitCode` says — a failed test
  // run (vitest sets the code and lets the event loop drain) would end as a success. On that event the servers are
  // stopped here instead, and Node then ends with the process's own code.
  exitHook.unhookEvent('beforeExit');
  process.once('beforeExit', () => void stopAll());
}

/** The last lines of a program's error output that say what went wrong. */
function reason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const said = lines.filter((l) => /FATAL|ERROR|error|could not|cannot/i.test(l));
  return (said.length > 0 ? said : lines).slice(-2).join(' ') || 'no output';
}

function spawnAs(program: string, args: string[], user: RunAs): ChildProcess {
  return spawn(program, args, {
    ...(user.uid === undefined ? {} : { uid: user.uid, gid: user.gid }),
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function spawnFailure(program: string, err: NodeJS.ErrnoException, user: RunAs): EnvironmentError {
  const blocked = blockedDirectory(program, user);
  if (err.code === 'EACCES' || blocked)
    return new EnvironmentError(
      `the \`${user.name}\` user cannot run ${program}${blocked ? ` (it cannot enter ${blocked})` : ''}: ` +
        'clone the repository into a directory that user can reach, or run as that user',
      err,
    );
  return new EnvironmentError(
    `cannot start ${path.basename(program)} (${err.code ?? err.message}): run \`npm ci\` again`,
    err,
  );
}

function initdb(initdbPath: string, args: string[], user: RunAs, onLog: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(initdbPath, args, user);
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => onLog(c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      onLog(c.toString('utf8'));
    });
    child.on('error', (err) => reject(spawnFailure(initdbPath, err, user)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new EnvironmentError(`initdb failed for the embedded PostgreSQL: ${reason(stderr)}`));
    });
  });
}

function startServer(
  postgresPath: string,
  args: string[],
  user: RunAs,
  onLog: (l: string) => void,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(postgresPath, args, user);
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => onLog(c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => {
      const text = c.toString('utf8');
      onLog(text);
      stderr += text;
      if (stderr.includes('database system is ready to accept connections')) resolve(child);
    });
    child.on('error', (err) => reject(spawnFailure(postgresPath, err, user)));
    child.on('exit', () =>
      reject(new EnvironmentError(`the embedded PostgreSQL stopped while starting: ${reason(stderr)}`)),
    );
  });
}

/**
 * Initialises a data directory and starts the server; resolves once it accepts connections.
 * @throws EnvironmentError (one sentence with the fix) for any problem of the machine.
 */
export async function startPostgresProcess(o: PostgresProcessOptions): Promise<PostgresProcess> {
  stopAllOnExit();
  const user = runAsUser();
  assertTempDirReachable(user);
  const bins = reachableBinaries(await locateBinaries(), user);
  const root = mkdtempSync(path.join(os.tmpdir(), 'dms-companion-pg-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    if (user.uid !== undefined) chownSync(root, user.uid, user.gid ?? -1);
    const pwfile = path.join(root, 'pwfile');
    writeFileSync(pwfile, `${o.password}\n`, { mode: 0o600 });
    if (user.uid !== undefined) chownSync(pwfile, user.uid, user.gid ?? -1);
    const data = path.join(root, 'data');
    await initdb(
      bins.initdb,
      [`--pgdata=${data}`, '--auth=password', `--username=${o.superuser}`, `--pwfile=${pwfile}`, ...o.initdbFlags],
      user,
      o.onLog,
    );
    rmSync(pwfile);
    const settings = [...o.settings, `unix_socket_directories=${root}`];
    const child = await startServer(
      bins.postgres,
      ['-D', data, '-p', String(o.port), ...settings.flatMap((s) => ['-c', s])],
      user,
      o.onLog,
    );
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= new Promise<void>((resolve) => {
        running.delete(stop);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // Fast shutdown: open sessions are ended, nothing is kept.
        child.kill('SIGINT');
      }).then(cleanup));
    running.add(stop);
    return { stop };
  } catch (err) {
    cleanup();
    throw err;
  }
}
