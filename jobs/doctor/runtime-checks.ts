import { ok, fail, warn, type DoctorCheck } from './check.js';

/**
 * Checks of the machine the companion runs on: the Node.js version and the clock.
 */

/**
 * Node.js: 22 or later is ok; 20 still runs but is past its end of life (2026-04-30) and the AWS
 * SDK's releases after January 2027 need 22; anything older fails.
 */
export function nodeVersionCheck(version = process.versions.node): DoctorCheck {
  const major = Number(version.split('.')[0]);
  const name = 'node: version';
  if (major >= 22) return ok(name, `Node.js ${version}`);
  if (major === 20)
    return warn(
      name,
      `Node.js ${version} is past its end of life (2026-04-30)`,
      'run on Node.js 22 LTS (the image does)',
    );
  return fail(name, `Node.js ${version} is too old`, 'run on Node.js 22 LTS');
}

/** Largest clock difference (seconds) that only warns; beyond {@link SKEW_FAIL} it fails. */
export const SKEW_WARN = 5;
export const SKEW_FAIL = 60;

/**
 * Clock skew between this machine and a database server. Time windows (the checker's look-back,
 * `settleLag`, maintenance windows) are computed here and compared with times the server
 * records, so a skewed clock shifts every window.
 * @param serverNow the server's `now()`, read between `before` and `after` (this machine's clock).
 */
export function clockSkewCheck(side: string, serverNow: Date, before: number, after: number): DoctorCheck {
  const skew = (serverNow.getTime() - (before + after) / 2) / 1000;
  const uncertainty = (after - before) / 2000;
  const name = `${side}: clock skew`;
  const detail = `${skew >= 0 ? '+' : ''}${skew.toFixed(1)} s (± ${uncertainty.toFixed(1)} s)`;
  const fix = 'synchronise both clocks with NTP (Amazon Time Sync Service on AWS)';
  if (Math.abs(skew) - uncertainty > SKEW_FAIL) return fail(name, detail, fix);
  if (Math.abs(skew) - uncertainty > SKEW_WARN) return warn(name, detail, fix);
  return ok(name, detail);
}
