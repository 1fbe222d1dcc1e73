import { DescribeClustersCommand, type RedshiftClient } from '@aws-sdk/client-redshift';
import { AwsStateError } from '../errors.js';

/**
 * Reading a provisioned Redshift cluster with `DescribeClusters` (docs/aws-facts.md §6): status,
 * availability and the maintenance-window fields. The simulator implements the same interface.
 */

export interface DeferredMaintenanceWindow {
  identifier?: string | undefined;
  /** UTC. */
  start: Date;
  end: Date;
}

export interface ClusterInfo {
  identifier: string;
  /** `ClusterStatus`: available, modifying, rebooting, … */
  status: string;
  /** `ClusterAvailabilityStatus`: Available, Unavailable, Maintenance, Modifying, Failed. */
  availability?: string | undefined;
  /** `ddd:hh24:mi-ddd:hh24:mi`, UTC. */
  preferredMaintenanceWindow?: string | undefined;
  nextMaintenanceWindowStartTime?: Date | undefined;
  deferredMaintenanceWindows: DeferredMaintenanceWindow[];
}

export interface ClusterApi {
  /** @throws AwsStateError when the cluster does not exist. */
  describeCluster(identifier: string): Promise<ClusterInfo>;
}

export class AwsClusters implements ClusterApi {
  constructor(private readonly client: RedshiftClient) {}

  async describeCluster(identifier: string): Promise<ClusterInfo> {
    const out = await this.client.send(new DescribeClustersCommand({ ClusterIdentifier: identifier }));
    const c = out.Clusters?.[0];
    if (!c || !c.ClusterStatus)
      throw new AwsStateError(
        `Redshift cluster ${identifier} not found (DescribeClusters returned ${out.Clusters?.length ?? 0} clusters)`,
      );
    return {
      identifier: c.ClusterIdentifier ?? identifier,
      status: c.ClusterStatus,
      availability: c.ClusterAvailabilityStatus,
      preferredMaintenanceWindow: c.PreferredMaintenanceWindow,
      nextMaintenanceWindowStartTime: c.NextMaintenanceWindowStartTime,
      deferredMaintenanceWindows: (c.DeferredMaintenanceWindows ?? [])
        .filter((d) => d.DeferMaintenanceStartTime && d.DeferMaintenanceEndTime)
        .map((d) => ({
          identifier: d.DeferMaintenanceIdentifier,
          start: d.DeferMaintenanceStartTime!,
          end: d.DeferMaintenanceEndTime!,
        })),
    };
  }
}

/**
 * True when the cluster answers queries: `ClusterStatus` is `available` or one of its
 * `available, …` forms (`available, prep-for-resize`, `available, resize-cleanup`: reads and writes
 * go on, only cluster operations wait — docs/aws-facts.md §14.1, §14.2), and, when reported,
 * `ClusterAvailabilityStatus` is `Available` (§14.3). Case-insensitive.
 */
export function clusterIsAvailable(c: ClusterInfo): boolean {
  const status = c.status.trim().toLowerCase();
  const statusAvailable = status === 'available' || status.startsWith('available,');
  return statusAvailable && (c.availability === undefined || c.availability.toLowerCase() === 'available');
}
