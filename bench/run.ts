import { openEnvironment, startEmbeddedServer } from '../sim/embedded.js';
import { benchFixer } from './fixer.js';
import { benchGapfill } from './gapfill.js';
import { benchTypemap } from './typemap.js';

/**
 * `npm run bench`: the benchmarks, on the embedded environment. Speed is measured here, never
 * asserted in tests. Pass names to run a subset: `npm run bench -- typemap`.
 */
const wanted = new Set(process.argv.slice(2));
const want = (name: string) => wanted.size === 0 || wanted.has(name);

// Cached in memory, as the figures in docs/aws-facts.md §10 were measured.
const server = await startEmbeddedServer({ settings: { shared_buffers: '3GB', io_method: 'sync' } });
try {
  if (want('typemap')) {
    const env = await openEnvironment(server, 'bench_typemap');
    try {
      const results = await benchTypemap(env);
      console.log('\ntypemap: source text → Redshift literals (one core)');
      console.table(results);
    } finally {
      await env.close();
    }
  }
  if (want('fixer')) {
    const env = await openEnvironment(server, 'bench_fixer');
    try {
      const r = await benchFixer(env);
      console.log(
        '\nfixer: rolled-back UPDATE → task resumed with the row repaired (simulator, checker interval excluded)',
      );
      console.table([r]);
    } finally {
      await env.close();
    }
  }
  for (const which of ['integer', 'uuid', '50m'] as const) {
    const name = which === 'integer' ? 'gapfill' : `gapfill-${which}`;
    // The 50M-row day is large (about 10 GB on disk for both sides): only when asked by name.
    if (which === '50m' ? !wanted.has(name) : !want(name)) continue;
    const env = await openEnvironment(server, `bench_${name.replace('-', '_')}`);
    try {
      const rows = await benchGapfill(env, which);
      console.log(`\n${name}: both databases on this machine`);
      console.table(rows);
    } finally {
      await env.close();
    }
  }
} finally {
  await server.stop();
}
