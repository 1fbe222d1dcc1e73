import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { layerRules } from '../../eslint/layers.js';

/**
 * The layer rules of eslint.config.js (eslint/layers.js), applied to sample imports: an import that runs back up
 * the layers fails lint; one that runs down passes. Linted as text at the path it would have in the repository.
 */
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layerRules],
});

async function problems(file: string, importPath: string): Promise<string[]> {
  const [r] = await eslint.lintText(`import { x } from '${importPath}';\nexport const y = x;\n`, { filePath: file });
  return r!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layers: cli/ lambda/ → daemon/ → jobs/ → lib/', () => {
  it.each([
    ['lib/sql/x.ts', '../../jobs/checker/index.js'],
    ['lib/sql/x.ts', '../../config/schema.js'],
    ['lib/x.ts', '../daemon/runner.js'],
    ['lib/typemap/x.ts', '../../sim/embedded.js'],
    ['jobs/fixer/x.ts', '../../daemon/actions.js'],
    ['jobs/fixer/x.ts', '../../cli/output.js'],
    ['jobs/checker/x.ts', '../fixer/index.js'],
    ['jobs/gapfill/x.ts', '../fixer/missing-keys.js'],
    ['daemon/x.ts', '../cli/output.js'],
    ['daemon/x.ts', '../lambda/handler.js'],
    ['config/x.ts', '../jobs/runtime.js'],
  ])('%s importing %s fails lint', async (file, imp) => {
    const found = await problems(file, imp);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^no-restricted-imports: .*imports run one way|^no-restricted-imports: .*does not import another job/,
    );
  });

  it.each([
    ['lib/sql/x.ts', '../errors.js'],
    ['lib/dms/x.ts', '../sql/tokenize.js'],
    ['config/x.ts', '../lib/errors.js'],
    ['jobs/fixer/x.ts', '../../lib/dms/apply-update.js'],
    ['jobs/fixer/x.ts', '../runtime.js'],
    ['jobs/registry.ts', './checker/index.js'],
    ['daemon/x.ts', '../jobs/registry.js'],
    ['cli/x.ts', '../daemon/index.js'],
    ['lambda/x.ts', '../daemon/sns.js'],
  ])('%s importing %s passes', async (file, imp) => {
    expect(await problems(file, imp)).toEqual([]);
  });
});
