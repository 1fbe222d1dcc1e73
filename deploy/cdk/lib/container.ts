import { ContainerImage, Secret as EcsSecret } from 'aws-cdk-lib/aws-ecs';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { CompanionDeploymentProps, ContainerSecretProps, ImageProps } from './props.js';

/**
 * How the companion's container starts, from the root Dockerfile and deploy/ecs-task-definition.json:
 * ENTRYPOINT `node dist/cli.js`, CMD `run`, WORKDIR /app, port 8080, the config file named by
 * DMS_COMPANION_CONFIG.
 */
export const CONTAINER_PORT = 8080;
export const DEFAULT_CONFIG_PATH = '/etc/dms-companion/config.yaml';
/** Where a config given as a secret is written inside the container (the `node` user can write /tmp). */
export const SECRET_CONFIG_PATH = '/tmp/dms-companion/config.yaml';
/** The environment variable that carries a config given as a secret into the container. */
export const CONFIG_TEXT_VARIABLE = 'DMS_COMPANION_CONFIG_YAML';

/** Liveness only: GET /healthz (process and scheduler ticking); job health is /readyz, never a reason to replace the task. */
export const HEALTH_CHECK_COMMAND = ['CMD', 'node', '-e', "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"];

export function containerImage(scope: Construct, p: ImageProps): ContainerImage {
  if ('ecrRepositoryName' in p) return ContainerImage.fromEcrRepository(Repository.fromRepositoryName(scope, 'Repository', p.ecrRepositoryName), p.tag);
  return ContainerImage.fromRegistry(`${p.name}:${p.tag}`);
}

/** A Secrets Manager secret by ARN; a complete ARN ends in `-` and six characters that Secrets Manager adds. */
function importSecret(scope: Construct, id: string, arn: string) {
  return /-[A-Za-z0-9]{6}$/.test(arn) ? Secret.fromSecretCompleteArn(scope, id, arn) : Secret.fromSecretPartialArn(scope, id, arn);
}

function ecsSecret(scope: Construct, id: string, s: ContainerSecretProps): EcsSecret {
  if ('ssmParameterName' in s) {
    return EcsSecret.fromSsmParameter(StringParameter.fromSecureStringParameterAttributes(scope, id, { parameterName: s.ssmParameterName }));
  }
  return EcsSecret.fromSecretsManager(importSecret(scope, id, s.secretArn), s.field);
}

export interface ContainerStart {
  /** Overrides the image's ENTRYPOINT when set. */
  entryPoint?: string[];
  command: string[];
  environment: Record<string, string>;
  secrets: Record<string, EcsSecret>;
}

/**
 * Entry point, command, environment and secrets of the container for the chosen config source.
 * A config in SSM or Secrets Manager reaches the container as the secret DMS_COMPANION_CONFIG_YAML;
 * a shell writes it to a file only the `node` user can read, drops the variable and `exec`s
 * `node dist/cli.js run`, so the daemon is still PID 1 and receives ECS's SIGTERM itself.
 */
export function containerStart(scope: Construct, p: CompanionDeploymentProps): ContainerStart {
  const secrets: Record<string, EcsSecret> = {};
  for (const [name, s] of Object.entries(p.secrets)) secrets[name] = ecsSecret(scope, `Secret-${name}`, s);
  const environment: Record<string, string> = { AWS_EMF_ENVIRONMENT: 'Local', ...p.environment };
  const c = p.config;
  if (c.source === 'image') return { command: ['run'], environment: { ...environment, DMS_COMPANION_CONFIG: c.path ?? DEFAULT_CONFIG_PATH }, secrets };
  secrets[CONFIG_TEXT_VARIABLE] =
    c.source === 'secret'
      ? EcsSecret.fromSecretsManager(importSecret(scope, 'ConfigSecret', c.secretArn))
      : EcsSecret.fromSsmParameter(StringParameter.fromSecureStringParameterAttributes(scope, 'ConfigParameter', { parameterName: c.parameterName }));
  const dir = SECRET_CONFIG_PATH.slice(0, SECRET_CONFIG_PATH.lastIndexOf('/'));
  const script =
    `umask 077 && mkdir -p ${dir} && printf '%s' "$${CONFIG_TEXT_VARIABLE}" > ${SECRET_CONFIG_PATH}` +
    ` && unset ${CONFIG_TEXT_VARIABLE} && exec node dist/cli.js "$@"`;
  return { entryPoint: ['sh', '-c', script, 'sh'], command: ['run'], environment: { ...environment, DMS_COMPANION_CONFIG: SECRET_CONFIG_PATH }, secrets };
}
