import { commitTimestampsOn } from '../../lib/repair/settle.js';
import type { SqlExecutor } from '../../lib/sql/client.js';
import { ok, probe, warn, type DoctorCheck } from './check.js';

const NAME = 'source: commit timestamps';

/**
 * The settle rule's precondition: with `track_commit_timestamp` on, the fixer and gap-filling prove from each row's
 * commit time that DMS can no longer deliver it (docs/aws-facts.md §71.1, §71.3); with it off they cannot tell a
 * backdated row or a long transaction's row still in DMS's pipeline from a missing one — they repair it anyway and
 * warn, and DMS may then deliver a second copy. A warning, not a failure: the other repairs stay safe.
 */
export function commitTimestampsCheck(on: boolean): DoctorCheck {
  if (on) return ok(NAME, 'track_commit_timestamp = on: repairs prove each row is out of DMS’s pipeline');
  return warn(
    NAME,
    'track_commit_timestamp = off: a backdated row or a long transaction still in DMS’s pipeline looks missing, and ' +
      'a repair of it may be delivered a second time by DMS',
    'set track_commit_timestamp = 1 in the source’s DB parameter group and reboot it (a static parameter; ' +
      'docs/aws-facts.md §71.2)',
  );
}

/** Reads the setting on the source (needs no privilege) and judges it. */
export function readCommitTimestampsCheck(source: SqlExecutor): Promise<DoctorCheck[]> {
  return probe(NAME, 'check that the source answers SHOW track_commit_timestamp', async () =>
    commitTimestampsCheck(await commitTimestampsOn(source)),
  );
}
