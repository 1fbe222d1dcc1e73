import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { cdkDir, exampleRaw, lambdaDir, removeTempDirs } from './fixtures.js';

after(removeTempDirs);

/** Runs the app as `cdk synth` does: context in CDK_CONTEXT_JSON, templates to CDK_OUTDIR; no AWS credentials. */
function runApp(context: Record<string, unknown>) {
  const outdir = lambdaDir();
  const cdkJson = JSON.parse(readFileSync(path.join(cdkDir, 'cdk.json'), 'utf8')) as { app: string };
  const [cmd, ...args] = cdkJson.app.split(' ');
  assert.equal(cmd, 'node');
  const r = spawnSync(process.execPath, args, {
    cwd: cdkDir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
  });
  return { ...r, outdir };
}

describe('the CDK app (cdk.json)', () => {
  it('synthesizes both stacks from the context, offline', () => {
    const raw = { ...exampleRaw(), lambda: { codeDirectory: lambdaDir() } };
    const r = runApp({ 'dms-companion': raw });
    assert.equal(r.status, 0, r.stderr);
    for (const stack of ['DmsCompanion', 'DmsCompanionLambda']) assert.ok(existsSync(path.join(r.outdir, `${stack}.template.json`)), stack);
    const manifest = JSON.parse(readFileSync(path.join(r.outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { environment?: string }> };
    assert.equal(manifest.artifacts.DmsCompanion?.environment, 'aws://123456789012/us-east-1');
  });

  it('bad props: exit code 2 and every problem on stderr, no stack trace', () => {
    const raw = { ...exampleRaw(), alarmEmail: 'nobody', image: { tag: '1' } };
    const r = runApp({ 'dms-companion': raw });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /invalid dms-companion deployment props:\n {2}- alarmEmail: expected an email address, got "nobody"\n/);
    assert.match(r.stderr, /\n {2}- image: give exactly one of/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
