/**
 * How the simulated task behaves where AWS's documents leave room for more than one reading; the
 * jobs must be correct on every variant (docs/aws-facts.md §16.1, §16.3).
 *
 * - `oneByOne`: after a failed batch, DMS replays that batch one statement at a time and then
 *   switches back to batch apply for the next batch (`failed-batch`, as the AWS Knowledge Center
 *   article on bulk-operation failures describes it), or stays one-by-one until the task is
 *   stopped and resumed (`until-restart`, what the simulator did first).
 * - `changesSeq`: the `seq` numbers of `awsdms_changes…` continue from batch to batch
 *   (`continue`) or start at 1 again with every load (`restart`); either way the table is emptied
 *   and reloaded for every batch, so an old seq range can point at another batch's changes.
 */

export interface DmsVariant {
  oneByOne: 'failed-batch' | 'until-restart';
  changesSeq: 'continue' | 'restart';
}

/** The named variants `npm run demo -- --dms-variant <name>` and the tests run through. */
export const DMS_VARIANTS = {
  'until-restart': { oneByOne: 'until-restart', changesSeq: 'continue' },
  'failed-batch': { oneByOne: 'failed-batch', changesSeq: 'continue' },
  'failed-batch-seq-restart': { oneByOne: 'failed-batch', changesSeq: 'restart' },
} as const satisfies Record<string, DmsVariant>;

export type DmsVariantName = keyof typeof DMS_VARIANTS;

export const DEFAULT_DMS_VARIANT: DmsVariant = DMS_VARIANTS['until-restart'];

/** @throws Error naming the known variants for an unknown name. */
export function dmsVariant(name: string): DmsVariant {
  const v = (DMS_VARIANTS as Record<string, DmsVariant>)[name];
  if (!v)
    throw new Error(`unknown DMS variant ${JSON.stringify(name)}; known: ${Object.keys(DMS_VARIANTS).join(', ')}`);
  return v;
}

/** The text DMS's load of the changes table leaves in the system tables (a COPY from its S3 staging, §16.3). */
export function changesLoadText(changesTable: { schema: string; name: string }, batch: number): string {
  return (
    `COPY "${changesTable.schema}"."${changesTable.name}" FROM 's3://dms-sim-staging/${changesTable.name}/batch-${batch}.csv' ` +
    `CREDENTIALS '' CSV NULL AS '\\\\N' COMPUPDATE OFF STATUPDATE OFF`
  );
}
