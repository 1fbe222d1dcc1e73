import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockedDirectory, reachableBinaries } from '../../sim/postgres-binaries.js';

/** A user that owns nothing here: only "other" permission bits let it through. */
const stranger = { name: 'stranger', uid: 4_000_001, gid: 4_000_001 };
const root = mkdtempSync(path.join(os.tmpdir(), 'pg-binaries-'));
chmodSync(root, 0o755); // mkdtemp makes it 0700
const version = `0.0.0-test-${process.pid}`;
const cache = path.join(os.tmpdir(), `dms-companion-postgres-${version}-${os.platform()}-${os.arch()}`);

/** A fake binaries package: <dir>/package.json and <dir>/native/bin/{initdb,postgres}. */
function fakePackage(dir: string) {
  mkdirSync(path.join(dir, 'native', 'bin'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version }));
  for (const p of ['initdb', 'postgres'])
    writeFileSync(path.join(dir, 'native', 'bin', p), '#!/bin/sh\n', { mode: 0o755 });
  return { initdb: path.join(dir, 'native', 'bin', 'initdb'), postgres: path.join(dir, 'native', 'bin', 'postgres') };
}

afterAll(() => {
  chmodSync(path.join(root, 'private'), 0o755);
  rmSync(root, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

describe('embedded PostgreSQL programs the server user can reach', () => {
  it('names the first directory the user cannot enter (a 0700 home), none for the current user', () => {
    const open = fakePackage(path.join(root, 'open'));
    const priv = fakePackage(path.join(root, 'private', 'clone'));
    chmodSync(path.join(root, 'private'), 0o700);
    expect(blockedDirectory(open.postgres, stranger)).toBeUndefined();
    expect(blockedDirectory(priv.postgres, stranger)).toBe(path.join(root, 'private'));
    expect(blockedDirectory(priv.postgres, { name: 'me' })).toBeUndefined();
  });

  it('uses reachable programs in place, and copies unreachable ones once under the temp dir', () => {
    const open = fakePackage(path.join(root, 'open2'));
    expect(reachableBinaries(open, stranger)).toEqual(open);
    chmodSync(path.join(root, 'private'), 0o755);
    const priv = fakePackage(path.join(root, 'private', 'clone2'));
    chmodSync(path.join(root, 'private'), 0o700);
    const copied = reachableBinaries(priv, stranger);
    expect(copied).toEqual({
      initdb: path.join(cache, 'bin', 'initdb'),
      postgres: path.join(cache, 'bin', 'postgres'),
    });
    expect(existsSync(copied.postgres)).toBe(true);
    expect(blockedDirectory(copied.postgres, stranger)).toBeUndefined();
  });
});
