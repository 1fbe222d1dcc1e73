import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addCompanionStacks, type CompanionStacks } from '../lib/app.js';
import { parseDeploymentProps } from '../lib/parse-props.js';
import type { CompanionDeploymentProps } from '../lib/props.js';

export const cdkDir = path.resolve(import.meta.dirname, '..');
export const deployDir = path.resolve(cdkDir, '..');

/** The example deployment of cdk.json, as raw context. */
export function exampleRaw(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(cdkDir, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return structuredClone(cdkJson.context['dms-companion']) as Record<string, unknown>;
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

const dirs: string[] = [];

/** A temporary Lambda code directory holding a stub `lambda.js` (and, when `complete`, what a deployable package has). */
export function lambdaDir(complete = false): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'companion-lambda-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'lambda.js'), 'export async function handler() { return {}; }\n');
  if (complete) {
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    mkdirSync(path.join(dir, 'node_modules'));
    writeFileSync(path.join(dir, 'config.yaml'), 'region: us-east-1\n');
  }
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Example props (cdk.json) with changes, the Lambda code pointed at a stub directory. */
export function props(change: (raw: Record<string, unknown>) => void = () => {}): CompanionDeploymentProps {
  const raw = exampleRaw();
  raw.lambda = { codeDirectory: lambdaDir() };
  change(raw);
  return parseDeploymentProps(raw);
}

export interface Synth {
  stacks: CompanionStacks;
  service: Template;
  lambda?: Template;
}

export function synth(p: CompanionDeploymentProps = props()): Synth {
  const app = new App();
  const stacks = addCompanionStacks(app, p);
  return { stacks, service: Template.fromStack(stacks.service), ...(stacks.lambda ? { lambda: Template.fromStack(stacks.lambda) } : {}) };
}

/** Action or Resource as a list (CDK writes a single value as a string). */
export function asList<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}
