/**
 * The smallest valid config as YAML: one task with one table; `source` and `target` are YAML flow
 * mappings (e.g. `{ host: h, database: d, user: u }`).
 */
export function minimalYaml(
  source = '{ host: s, database: app, user: u }',
  target = '{ kind: data-api, workgroupName: wg, database: dev }',
  region = 'eu-west-1',
): string {
  return `
region: ${region}
source: ${source}
target: ${target}
dmsUser: dms_user
tasks:
  - name: t1
    arn: arn:aws:dms:${region}:123456789012:task:ABC
    replicationInstance: ri
    tables: [{ source: public.rental, primaryKey: [rental_id] }]
`;
}
