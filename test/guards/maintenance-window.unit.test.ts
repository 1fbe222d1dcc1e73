import { describe, expect, it } from 'vitest';
import {
  occurrencesAfter,
  parseMaintenanceWindow,
  plannedResume,
  plannedStop,
  plannedWindows,
} from '../../jobs/maintenance-guard/maintenance-window.js';
import { clusterIsAvailable, type ClusterInfo } from '../../lib/aws/redshift.js';

const cluster = (over: Partial<ClusterInfo>): ClusterInfo => ({
  identifier: 'c',
  status: 'available',
  availability: 'Available',
  deferredMaintenanceWindows: [],
  ...over,
});

describe('maintenance windows', () => {
  it('parses ddd:hh24:mi-ddd:hh24:mi in any case, wrapping past the end of the week', () => {
    expect(parseMaintenanceWindow('wed:07:30-wed:08:00')).toEqual({ startMinute: 3 * 1440 + 450, minutes: 30 });
    expect(parseMaintenanceWindow('WED:07:30-Wed:08:00')).toEqual({ startMinute: 3 * 1440 + 450, minutes: 30 });
    expect(parseMaintenanceWindow('sat:23:30-sun:00:30')).toEqual({ startMinute: 6 * 1440 + 1410, minutes: 60 });
    for (const bad of ['wed 07:30-08:00', 'xyz:07:30-wed:08:00', 'wed:25:00-wed:26:00', 'wed:07:30-wed:07:30'])
      expect(() => parseMaintenanceWindow(bad)).toThrow();
  });

  it('finds the occurrence in progress and the next ones', () => {
    const w = parseMaintenanceWindow('sat:23:30-sun:00:30');
    const inside = occurrencesAfter(w, new Date('2026-06-07T00:10:00Z'), 2); // Sunday 00:10, inside
    expect(inside.map((o) => o.start.toISOString())).toEqual(['2026-06-06T23:30:00.000Z', '2026-06-13T23:30:00.000Z']);
    expect(
      occurrencesAfter(
        parseMaintenanceWindow('wed:07:30-wed:08:00'),
        new Date('2026-06-03T08:00:00Z'),
        1,
      )[0]!.start.toISOString(),
    ).toBe('2026-06-10T07:30:00.000Z');
  });

  it('prefers NextMaintenanceWindowStartTime, keeps the preferred window in progress, and skips deferred windows', () => {
    const now = new Date('2026-06-03T07:40:00Z');
    const a = plannedWindows(
      cluster({
        preferredMaintenanceWindow: 'wed:07:30-wed:08:00',
        nextMaintenanceWindowStartTime: new Date('2026-06-10T07:30:00Z'),
      }),
      now,
      2100,
    );
    expect(a.map((w) => [w.start.toISOString(), w.source])).toEqual([
      ['2026-06-03T07:30:00.000Z', 'PreferredMaintenanceWindow'],
      ['2026-06-10T07:30:00.000Z', 'NextMaintenanceWindowStartTime'],
      ['2026-06-17T07:30:00.000Z', 'PreferredMaintenanceWindow'],
    ]);
    const deferred = plannedWindows(
      cluster({
        preferredMaintenanceWindow: 'wed:07:30-wed:08:00',
        deferredMaintenanceWindows: [
          { start: new Date('2026-06-01T00:00:00Z'), end: new Date('2026-06-12T00:00:00Z') },
        ],
      }),
      now,
      2100,
    );
    expect(deferred[0]!.start.toISOString()).toBe('2026-06-17T07:30:00.000Z');
    // Without a readable preferred window, the next start with a 30-minute window.
    const only = plannedWindows(
      cluster({ preferredMaintenanceWindow: 'soon', nextMaintenanceWindowStartTime: new Date('2026-06-05T01:00:00Z') }),
      now,
      2100,
    );
    expect(only.map((w) => [w.start.toISOString(), w.end.toISOString()])).toEqual([
      ['2026-06-05T01:00:00.000Z', '2026-06-05T01:30:00.000Z'],
    ]);
  });
});

describe("the resume rule: the later of the window's end and start + hold − lead", () => {
  const start = new Date('2026-06-03T07:30:00Z');
  const window = (minutes: number) => ({ start, end: new Date(start.getTime() + minutes * 60_000) });
  const after = (d: Date) => (d.getTime() - start.getTime()) / 60_000;
  it.each([
    // window minutes, hold s, lead s → resume (minutes after the start)
    [30, 35 * 60, 5 * 60, 30],
    [30, 45 * 60, 5 * 60, 40],
    [60, 35 * 60, 5 * 60, 60],
    [180, 35 * 60, 5 * 60, 180],
    [24 * 60, 35 * 60, 5 * 60, 24 * 60],
    [31, 35 * 60, 5 * 60, 31],
  ])('a %i-minute window, hold %i s, lead %i s: resume %i minutes after the start', (minutes, hold, lead, resume) => {
    expect(after(plannedResume(window(minutes), hold, lead))).toBe(resume);
    expect(after(plannedStop(window(minutes), lead))).toBe(-lead / 60);
  });
});

describe('cluster availability: the `available, …` statuses count as available', () => {
  it.each([
    ['available', 'Available', true],
    ['available', undefined, true],
    ['available, prep-for-resize', 'Available', true],
    ['available, resize-cleanup', 'Available', true],
    ['Available, Resize-Cleanup', undefined, true],
    ['available', 'Maintenance', false],
    ['available, resize-cleanup', 'Modifying', false],
    ['availablex', undefined, false],
    ['modifying', 'Modifying', false],
    ['rebooting', 'Unavailable', false],
    ['resizing', undefined, false],
    ['cancelling-resize', 'Available', false],
  ] as const)('%s / %s → %s', (status, availability, expected) => {
    expect(clusterIsAvailable(cluster({ status, availability }))).toBe(expected);
  });
});
