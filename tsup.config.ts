import { defineConfig } from 'tsup';

// Two entry points: the `dms-companion` command and (later) the SNS Lambda handler.
// Dependencies stay external (node_modules is shipped next to dist/).
export default defineConfig({
  entry: { cli: 'cli/main.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  splitting: false,
  banner: { js: '#!/usr/bin/env node' },
});
