import { Annotations } from 'aws-cdk-lib';
import { SecurityGroup, Vpc, type ISecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { VpcProps } from './props.js';

/** The VPC from its attributes: no context lookup, so synth needs no AWS credentials. */
export function importVpc(scope: Construct, p: VpcProps): IVpc {
  const vpc = Vpc.fromVpcAttributes(scope, 'Vpc', { vpcId: p.vpcId, availabilityZones: p.availabilityZones, privateSubnetIds: p.privateSubnetIds });
  // Route tables of the subnets are never read here (no endpoints or routes are added).
  Annotations.of(vpc).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'the companion adds no routes');
  return vpc;
}

/**
 * The companion's security groups: the given ones, else a new one that admits nothing and lets
 * the companion reach the source, Redshift and the AWS APIs (all egress). The container's health
 * check runs inside the task, so no ingress is needed for it.
 */
export function companionSecurityGroups(scope: Construct, vpc: IVpc, p: VpcProps): ISecurityGroup[] {
  if (p.securityGroupIds && p.securityGroupIds.length > 0) {
    return p.securityGroupIds.map((id, i) => SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup${i}`, id));
  }
  const description = 'dms-companion: egress to the source, Redshift and AWS APIs';
  return [new SecurityGroup(scope, 'SecurityGroup', { vpc, allowAllOutbound: true, description })];
}
