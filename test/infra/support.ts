import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { EVENT_SCHEMA_FILES } from '../../infra/event-contract.ts';

/** Root of the repository. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** The context of cdk.json: feature flags and local defaults, as `cdk synth` would see them. */
export const cdkJsonContext = (): Record<string, unknown> => {
  const cdkJson: { context: Record<string, unknown> } = JSON.parse(
    readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8'),
  );
  return cdkJson.context;
};

/**
 * An App with cdk.json's context plus `context`, bundling skipped: `new App()` reads neither cdk.json nor
 * the CLI's context, and most tests only need the template. CDK's built-in CloudFormation validation (a
 * WebAssembly rule engine) is off: loading it takes seconds per test file, and `cdk synth` runs it anyway.
 */
export const testApp = (context: Record<string, unknown> = {}): App =>
  new App({
    builtinCloudFormationValidation: false,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
  });

/**
 * A directory of placeholder event schemas, so that these tests depend neither on the real schemas' content
 * nor on their being written yet.
 */
export const schemaFixtureDirectory = (): string => {
  const directory = mkdtempSync(join(tmpdir(), 'call-control-schemas-'));
  for (const { detailType, fileName } of EVENT_SCHEMA_FILES) {
    writeFileSync(
      join(directory, fileName),
      JSON.stringify({
        $schema: 'http://json-schema.org/draft-04/schema#',
        title: detailType,
        type: 'object',
      }),
    );
  }
  return directory;
};

/** A fresh scratch directory inside the project (bundled entries must live under the project root). */
export const projectScratchDirectory = (): string => {
  const parent = join(PROJECT_ROOT, '.tmp');
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, 'infra-test-'));
};

/** Replaces what changes with every code edit (asset hashes and the zip keys built from them). */
export const normaliseTemplate = (template: unknown): unknown =>
  JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<asset-hash>'));

/**
 * Renders a CloudFormation string expression (`Fn::Join` of literals and pseudo-parameter `Ref`s) as text,
 * e.g. `arn:<AWS::Partition>:...`, so that an ARN can be compared as a whole.
 */
export const renderCfnString = (value: unknown): string => {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    if ('Ref' in value) {
      return `<${String(value.Ref)}>`;
    }
    if ('Fn::GetAtt' in value && Array.isArray(value['Fn::GetAtt'])) {
      return `<${value['Fn::GetAtt'].join('.')}>`;
    }
    if ('Fn::Join' in value && Array.isArray(value['Fn::Join'])) {
      const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
      return parts.map(renderCfnString).join(separator);
    }
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
};

/** One statement of an IAM policy document as synthesised. */
export interface PolicyStatementJson {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of every `AWS::IAM::Policy` attached to the role with the given logical ID. */
export const statementsOfRole = (template: Template, roleId: string): PolicyStatementJson[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement,
    );

/** Actions of a statement as a list. */
export const actionsOf = (statement: PolicyStatementJson): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
