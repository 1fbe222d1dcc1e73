// Bundles the entry points into dist/ with esbuild; dependencies stay external (node_modules ships beside dist/).
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
