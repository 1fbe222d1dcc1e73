/**
 * Date and time text as PostgreSQL prints it in ISO DateStyle, converted to UTC without losing
 * microseconds (JavaScript's Date keeps milliseconds only, so nothing here goes through Date).
 *
 * Input forms (PostgreSQL ISO output):
 *   date         `YYYY-MM-DD` [` BC`]
 *   timestamp    `YYYY-MM-DD HH:MM:SS[.ffffff]` [` BC`]
 *   timestamptz  `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]` [` BC`]   (offsets may carry seconds: LMT)
 *   time         `HH:MM:SS[.ffffff]`
 *   timetz       `HH:MM:SS[.ffffff]±HH[:MM[:SS]]`
 * Years may have more than four digits. `infinity` / `-infinity` are recognised by the caller.
 * The calendar is the proleptic Gregorian one PostgreSQL uses; 1 BC is astronomical year 0.
 */

export interface Timestamp {
  /** Astronomical year (1 BC = 0). */
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fractional seconds as written, without the dot ("", "5", "123456"). */
  fraction: string;
  /** Offset east of UTC in seconds, or undefined for a value without zone. */
  offsetSeconds?: number | undefined;
}

const TS_RE =
  /^(\d{4,})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::\d{2}(?::\d{2})?)?)?)?( BC)?$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::\d{2}(?::\d{2})?)?)?$/;

function parseOffset(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const sign = text.startsWith('-') ? -1 : 1;
  const [h, m = '0', s = '0'] = text.slice(1).split(':');
  return sign * (Number(h) * 3600 + Number(m) * 60 + Number(s));
}

/** Parses a date, timestamp or timestamptz; `undefined` for text that is not one. */
export function parseTimestamp(text: string): Timestamp | undefined {
  const m = TS_RE.exec(text);
  if (!m) return undefined;
  const yearAD = Number(m[1]);
  return {
    year: m[9] ? 1 - yearAD : yearAD,
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    fraction: m[7] ?? '',
    offsetSeconds: parseOffset(m[8]),
  };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = year - (month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The proleptic Gregorian date of a day number (inverse of {@link daysFromCivil}). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** The same instant in UTC (offset 0). A value without an offset is returned unchanged. */
export function toUtc(t: Timestamp): Timestamp {
  if (!t.offsetSeconds) return { ...t, offsetSeconds: t.offsetSeconds === undefined ? undefined : 0 };
  const total =
    daysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second - t.offsetSeconds;
  const days = Math.floor(total / 86400);
  const rest = total - days * 86400;
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(rest / 3600),
    minute: Math.floor((rest % 3600) / 60),
    second: rest % 60,
    fraction: t.fraction,
    offsetSeconds: 0,
  };
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD` [` BC`]. */
export function formatDate(t: Timestamp): string {
  const bc = t.year <= 0;
  return `${String(bc ? 1 - t.year : t.year).padStart(4, '0')}-${p2(t.month)}-${p2(t.day)}${bc ? ' BC' : ''}`;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` [`+00`] [` BC`] — with `+00` when `withZone` (the value must be
 * in UTC already).
 */
export function formatTimestamp(t: Timestamp, withZone: boolean): string {
  const bc = t.year <= 0;
  const date = `${String(bc ? 1 - t.year : t.year).padStart(4, '0')}-${p2(t.month)}-${p2(t.day)}`;
  const time = `${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}${t.fraction ? `.${t.fraction}` : ''}`;
  return `${date} ${time}${withZone ? '+00' : ''}${bc ? ' BC' : ''}`;
}

export interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  offsetSeconds?: number | undefined;
}

/** Parses a time or timetz; `undefined` for text that is not one. */
export function parseTime(text: string): TimeOfDay | undefined {
  const m = TIME_RE.exec(text);
  if (!m) return undefined;
  return {
    hour: Number(m[1]),
    minute: Number(m[2]),
    second: Number(m[3]),
    fraction: m[4] ?? '',
    offsetSeconds: parseOffset(m[5]),
  };
}

/**
 * A timetz as the same time of day in UTC, `HH:MM:SS[.ffffff]` (wrapping around midnight, as
 * Redshift's TIMETZ stores it). `24:00:00` stays `24:00:00` when the offset is zero.
 */
export function timeToUtc(t: TimeOfDay): string {
  let total = t.hour * 3600 + t.minute * 60 + t.second - (t.offsetSeconds ?? 0);
  if (t.offsetSeconds) total = ((total % 86400) + 86400) % 86400;
  return `${p2(Math.floor(total / 3600))}:${p2(Math.floor((total % 3600) / 60))}:${p2(total % 60)}${t.fraction ? `.${t.fraction}` : ''}`;
}
