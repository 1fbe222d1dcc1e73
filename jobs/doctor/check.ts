import { errorMessage } from '../../lib/errors.js';

/**
 * One line of `dms-companion doctor`: what was checked, the verdict, what was found, and — for a
 * warning or a failure — how to fix it.
 */
export interface DoctorCheck {
  /** e.g. `target: INSERT on public.rental`. */
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string | undefined;
}

export const ok = (name: string, detail: string): DoctorCheck => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'warn', detail, fix });
export const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'fail', detail, fix });

/** Runs one probe; an error it throws becomes a failed check naming the error (never a secret: errors carry none). */
export async function probe(
  name: string,
  fix: string,
  fn: () => Promise<DoctorCheck | DoctorCheck[]>,
): Promise<DoctorCheck[]> {
  try {
    const r = await fn();
    return Array.isArray(r) ? r : [r];
  } catch (err) {
    return [fail(name, errorMessage(err), fix)];
  }
}
