/** The apply-UPDATE parser's public API; its phases are in `apply-update/` (see `apply-update/index.ts`). */
export * from './apply-update/index.js';
