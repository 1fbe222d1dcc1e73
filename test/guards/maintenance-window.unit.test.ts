import { describe, expect, it } from 'vitest';
import {
  occurrencesAfter,
  parseMaintenanceWindow,
  plannedWindows,
} from '../../jobs/maintenance-guard/maintenance-window.js';
import type { ClusterInfo } from '../../lib/aws/redshift.js';

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
