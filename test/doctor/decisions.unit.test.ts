import { describe, expect, it } from 'vitest';
import { commitTimestampsCheck } from '../../jobs/doctor/commit-timestamps.js';
import { clockSkewCheck, nodeVersionCheck } from '../../jobs/doctor/runtime-checks.js';
import { visibilityCheck, type VisibilityEvidence } from '../../jobs/doctor/visibility.js';

const base: VisibilityEvidence = { superuser: false, dmsStatements: 0, view: 'stl_query', busyTasks: [] };

describe('doctor decisions', () => {
  it.each([
    [{ superuser: true }, 'ok'],
    [{ syslogAccess: 'UNRESTRICTED' }, 'ok'],
    [{ syslogAccess: 'RESTRICTED', dmsStatements: 3 }, 'fail'],
    [{ dmsStatements: 12 }, 'ok'],
    [{ busyTasks: ['orders'] }, 'fail'],
    [{}, 'warn'],
  ] as [Partial<VisibilityEvidence>, string][])('system-view visibility %j → %s', (e, status) => {
    const c = visibilityCheck({ ...base, ...e }, 'companion', 'dms_user', 24);
    expect(c.status).toBe(status);
    if (status !== 'ok') expect(c.fix).toContain('ALTER USER "companion" WITH SYSLOG ACCESS UNRESTRICTED');
  });

  it.each([
    ['22.12.0', 'ok'],
    ['24.1.0', 'ok'],
    ['20.19.0', 'warn'],
    ['18.20.4', 'fail'],
  ])('Node.js %s → %s', (v, status) => {
    expect(nodeVersionCheck(v).status).toBe(status);
  });

  it.each([
    [0, 'ok'],
    [4_000, 'ok'],
    [-10_000, 'warn'],
    [120_000, 'fail'],
  ])('clock skew %i ms → %s', (skewMs, status) => {
    const t = Date.parse('2026-05-04T09:00:00Z');
    expect(clockSkewCheck('target', new Date(t + skewMs), t - 100, t + 100).status).toBe(status);
  });

  it('commit timestamps: on → ok; off → a warning naming the parameter group setting', () => {
    expect(commitTimestampsCheck(true).status).toBe('ok');
    const off = commitTimestampsCheck(false);
    expect(off).toMatchObject({ status: 'warn', name: 'source: commit timestamps' });
    expect(off.fix).toContain('track_commit_timestamp = 1');
  });
});
