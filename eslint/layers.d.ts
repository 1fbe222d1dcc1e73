import type { Linter } from 'eslint';

/** Flat-config entries, one per layer (see layers.js). */
export declare const layerRules: Linter.Config[];
