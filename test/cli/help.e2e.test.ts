import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, commandPath } from '../../cli/examples.js';
import { buildProgram } from '../../cli/program.js';
import { runCli } from '../helpers/cli.js';

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

describe('help', () => {
  it('every command has one example, and every example belongs to a command', () => {
    const paths = allCommands(buildProgram()).map(commandPath);
    expect(paths.filter((p) => !EXAMPLES[p])).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((p) => !paths.includes(p))).toEqual([]);
    for (const p of paths) expect(EXAMPLES[p]).toMatch(new RegExp(`^dms-companion ${p}\\b`));
  });

  it('a subcommand’s --help lists the global options and its example', async () => {
    const r = await runCli(['maintenance', 'tick', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Global Options:');
    for (const o of ['--config <file>', '--json', '--dry-run']) expect(r.stdout).toContain(o);
    expect(r.stdout).toContain(`Example:\n  $ ${EXAMPLES['maintenance tick']}`);
  });
});
