import type { Command } from 'commander';

/**
 * One example per command, shown at the end of its `--help` (keyed by the command's path).
 * test/cli/help.e2e.test.ts fails when a command has none.
 */
export const EXAMPLES: Record<string, string> = {
  config: 'dms-companion config check --config /etc/dms-companion/config.yaml',
  'config check': 'dms-companion config check --config config.yaml --json',
  check: 'dms-companion check --task orders --dry-run',
  fix: 'dms-companion fix --task orders --dry-run',
  'fix explain': 'dms-companion fix explain --statement-file update.sql',
  holds: 'dms-companion holds --json',
  'holds release': 'dms-companion holds release --task orders --owner person',
  gapfill: 'dms-companion gapfill --table public.orders --day 2026-05-03 --dry-run',
  maintenance: 'dms-companion maintenance status',
  'maintenance status': 'dms-companion maintenance status --json',
  'maintenance tick': 'dms-companion maintenance tick --dry-run',
  'maintenance stop': 'dms-companion maintenance stop --task orders --reason "schema change"',
  'maintenance resume': 'dms-companion maintenance resume --task orders',
  memory: 'dms-companion memory status',
  'memory status': 'dms-companion memory status --json',
  'memory tick': 'dms-companion memory tick --dry-run',
  history: 'dms-companion history --since 24h --task orders --markdown',
  validate: 'dms-companion validate --table public.orders --json',
  doctor: 'dms-companion doctor --config /etc/dms-companion/config.yaml',
  run: 'dms-companion run --config /etc/dms-companion/config.yaml --port 8080',
  typemap: 'dms-companion typemap ddl --table public.orders',
  'typemap ddl': 'dms-companion typemap ddl --table public.orders',
  'typemap row': `dms-companion typemap row --table public.orders --key '"Order Id"=42,region=eu'`,
  demo: 'dms-companion demo --duration 120 --seed 7',
};

/** The command's path below the program (`maintenance tick`). */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Adds each command's example to its help, recursively. */
export function addExamples(cmd: Command): void {
  for (const c of cmd.commands) {
    const example = EXAMPLES[commandPath(c)];
    if (example) c.addHelpText('after', `\nExample:\n  $ ${example}`);
    addExamples(c);
  }
}
