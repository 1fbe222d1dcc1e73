/**
 * Memory of each DMS replication instance class (GiB), as AWS's "Choosing the right AWS DMS replication instance
 * for your migration" lists it (docs/aws-facts.md §65.2;
 * https://docs.aws.amazon.com/dms/latest/userguide/CHAP_ReplicationInstance.Types.html). A class not in the list
 * has no known memory: callers must not guess one.
 */
const MEMORY_GIB: Readonly<Record<string, number>> = {
  'dms.t2.micro': 1,
  'dms.t2.small': 2,
  'dms.t2.medium': 4,
  'dms.t2.large': 8,
  'dms.t3.micro': 1,
  'dms.t3.small': 2,
  'dms.t3.medium': 4,
  'dms.t3.large': 8,
  'dms.c4.large': 3.75,
  'dms.c4.xlarge': 7.5,
  'dms.c4.2xlarge': 15,
  'dms.c4.4xlarge': 30,
  'dms.c5.large': 4,
  'dms.c5.xlarge': 8,
  'dms.c5.2xlarge': 16,
  'dms.c5.4xlarge': 32,
  'dms.c5.9xlarge': 72,
  'dms.c5.12xlarge': 96,
  'dms.c5.18xlarge': 144,
  'dms.c5.24xlarge': 192,
  'dms.r4.large': 15.25,
  'dms.r4.xlarge': 30.5,
  'dms.r4.2xlarge': 61,
  'dms.r4.4xlarge': 122,
  'dms.r4.8xlarge': 244,
  'dms.r5.large': 16,
  'dms.r5.xlarge': 32,
  'dms.r5.2xlarge': 64,
  'dms.r5.4xlarge': 128,
  'dms.r5.8xlarge': 256,
  'dms.r5.12xlarge': 384,
  'dms.r5.16xlarge': 512,
  'dms.r5.24xlarge': 768,
};

/** The memory of a replication instance class in bytes (GiB × 1024³); undefined for a class not in AWS's table. */
export function instanceClassMemory(instanceClass: string): number | undefined {
  const gib = MEMORY_GIB[instanceClass.trim().toLowerCase()];
  return gib === undefined ? undefined : gib * 1024 ** 3;
}
