import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../lib/errors.js';
import { configSchema, type Config } from './schema.js';

/**
 * Loading the configuration: the only module that reads `process.env`.
 *
 * Order: read the file → parse YAML → replace `${NAME}` / `${NAME:-default}` in every string
 * value with the environment variable → validate with zod. Every problem is collected and
 * thrown at once as a {@link ConfigError} (exit code 2), each prefixed with its path,
 * e.g. `jobs.memoryGuard.threshold: expected a size like "1.5 GiB", got "lots"`.
 */

/** Where the config file is: `--config`, else `DMS_COMPANION_CONFIG`. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const p = flag ?? env.DMS_COMPANION_CONFIG;
  if (!p)
    throw new ConfigError(
      ['no configuration file: pass --config FILE or set DMS_COMPANION_CONFIG'],
      'missing configuration',
    );
  return p;
}

/**
 * Reads, interpolates and validates a config file.
 * @throws ConfigError listing every problem (unreadable file, YAML syntax, unset variables, schema).
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      [`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`],
      'cannot read configuration',
    );
  }
  return parseConfig(text, env, file);
}

/** Like {@link loadConfig}, from YAML text. */
export function parseConfig(text: string, env: NodeJS.ProcessEnv = process.env, file = '<config>'): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map(
        (e) => `${file}:${e.linePos?.[0]?.line ?? '?'}:${e.linePos?.[0]?.col ?? '?'}: ${e.message.split('\n')[0]}`,
      ),
      'configuration is not valid YAML',
    );
  }
  const raw: unknown = doc.toJS();
  const problems: string[] = [];
  const interpolated = interpolate(raw, [], env, problems);
  const result = configSchema.safeParse(interpolated ?? {}, { reportInput: true });
  if (!result.success) problems.push(...formatIssues(result.error.issues));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

/** `a.b[0].c` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(top level)';
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push(`${formatPath([...issue.path, key])}: unknown key (check its spelling against config/example.yaml)`);
      continue;
    }
    if (issue.code === 'invalid_union' && 'errors' in issue && issue.errors.length > 0) {
      // Report the alternative that got furthest (most specific), not "invalid input".
      const best = issue.errors.reduce((a, b) => (deepest(b) > deepest(a) ? b : a));
      out.push(...formatIssues(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }))));
      continue;
    }
    let message = issue.message.replace(/^Invalid input: /, '');
    if (issue.code === 'invalid_type' && issue.input === undefined) message = 'required';
    else if (isSecretPath(issue.path)) {
      // A secret's value is never echoed, not even a wrong one: at most its type.
      message = message.replace(/, (got|received) .*$/, '');
      if (issue.code === 'invalid_type') message += `, got a ${typeof issue.input}`;
    } else if (!/got /.test(message) && issue.input !== undefined && typeof issue.input !== 'object') {
      message += `, got ${JSON.stringify(issue.input)}`;
    }
    out.push(`${formatPath(issue.path)}: ${message}`);
  }
  return [...new Set(out)];
}

function deepest(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'invalid_type' ? 0 : 0.5)));
}

const VAR_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(value: unknown, path: PropertyKey[], env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR_RE, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, [...path, i], env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, [...path, k], env, problems)]));
  }
  return value;
}

const SECRET_KEY_RE = /password|secret(?!Arn|sManager)|token|credential/i;
/** Sections whose every value is a secret: a Slack-compatible webhook URL carries its own credential. */
const SECRET_SECTION_RE = /^webhook$/i;

/** Whether a config path names a secret (`source.password`, `notify.webhook.url`, …). */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some((p) => typeof p === 'string' && (SECRET_KEY_RE.test(p) || SECRET_SECTION_RE.test(p)));
}

/** A copy of the config with every secret value replaced by `***` (for printing and logging). */
export function maskSecrets<T>(value: T): T {
  const walk = (v: unknown, inSecretSection: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, inSecretSection));
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [
          k,
          // A reference (`{ secretsManager: ARN }`, `{ ssm: NAME }`) is shown; a value never is.
          (inSecretSection || SECRET_KEY_RE.test(k)) && x !== undefined && (typeof x !== 'object' || x === null)
            ? '***'
            : walk(x, inSecretSection || SECRET_SECTION_RE.test(k)),
        ]),
      );
    }
    return v;
  };
  return walk(value, false) as T;
}
