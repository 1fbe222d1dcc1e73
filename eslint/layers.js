/**
 * The layers, as ESLint rules: `cli/ lambda/ → daemon/ → jobs/ → lib/`, `config/` read by the
 * runtime (jobs/runtime.ts) and the commands. An import that runs back up fails `npm run lint`.
 * Kept in its own module so that test/architecture/layers.test.ts lints sample imports with the
 * very rules the project uses.
 */

const up = (...dirs) => ({
  regex: `^(\\.\\./)+(${dirs.join('|')})(/|$)`,
  message: `imports run one way: cli/ lambda/ → daemon/ → jobs/ → lib/ (docs/architecture.md); this layer may not import ${dirs.join(', ')}/`,
});

const JOBS = ['checker', 'fixer', 'gapfill', 'maintenance-guard', 'memory-guard'];

const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/** Flat-config entries, one per layer. */
export const layerRules = [
  { files: ['lib/**/*.ts'], rules: restrict(up('config', 'jobs', 'daemon', 'cli', 'lambda', 'sim', 'bench', 'test')) },
  { files: ['config/**/*.ts'], rules: restrict(up('jobs', 'daemon', 'cli', 'lambda', 'sim', 'bench', 'test')) },
  {
    files: ['jobs/**/*.ts'],
    rules: restrict(up('daemon', 'cli', 'lambda', 'sim', 'bench', 'test'), {
      regex: `^\\.\\./(${JOBS.join('|')})/`,
      message:
        'a job does not import another job’s files: shared DMS knowledge lives in lib/dms, shared repair writes in lib/repair, wiring in jobs/registry.ts',
    }),
  },
  { files: ['daemon/**/*.ts'], rules: restrict(up('cli', 'lambda', 'sim', 'bench', 'test')) },
  { files: ['cli/**/*.ts', 'lambda/**/*.ts'], rules: restrict(up('bench', 'test')) },
];
