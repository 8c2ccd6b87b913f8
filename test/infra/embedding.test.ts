/**
 * CallControl where platform teams put it: in a nested stack, in a nested Stage, in the aws-cn and aws-us-gov
 * partitions and in an environment-agnostic stack.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnOutput, NestedStack, PermissionsBoundary, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { callControlOutputs } from '../../cli/core/deployed-stack.ts';
import { CallControl, type CallControlProps } from '../../infra/call-control.ts';
import { parseMarkedDescription } from '../../infra/stack-outputs.ts';
import { PROJECT_ROOT, schemaFixtureDirectory, testApp } from './support.ts';

const schemasDirectory = schemaFixtureDirectory();
afterAll(() => rmSync(schemasDirectory, { recursive: true, force: true }));

const everything = (stack: Stack, props: Partial<CallControlProps> = {}): CallControl =>
  new CallControl(stack, 'call-control', {
    secretName: 'signalwire/call-control',
    schemasDirectory,
    console: {},
    callUpdateEvents: { allowedSources: ['com.example.crm'] },
    cleanupSchedules: [{ name: 'stale-calls', policy: { maxAgeSeconds: { inProgress: 14_400 } } }],
    ...props,
  });

interface Output {
  Description?: string;
  Value: unknown;
}
/** A stack's marked outputs: the construct path and name each marker gives, with the output's value. */
const markedOutputs = (stack: Stack) =>
  Object.values((Template.fromStack(stack).toJSON().Outputs ?? {}) as Record<string, Output>).flatMap(
    (output) => {
      const marker = parseMarkedDescription(output.Description);
      return marker
        ? [{ ...marker, value: JSON.stringify(output.Value), description: output.Description }]
        : [];
    },
  );

/** What DescribeStacks would list once deployed: the marked outputs with values such as CloudFormation's. */
const deployedOutputs = (stack: Stack) =>
  markedOutputs(stack).map(({ name, description }, index) => ({
    OutputKey: `Output${index}`,
    OutputValue: name === 'ApiUrl' ? 'https://abc123.execute-api.eu-west-1.amazonaws.com/' : 'cleanup-fn',
    Description: description,
  }));

describe('CallControl in a nested stack', () => {
  const build = (depth: number) => {
    const app = testApp();
    const root = new Stack(app, 'Telephony', { env: { account: '111122223333', region: 'eu-west-1' } });
    let parent: Stack = root;
    for (let level = 1; level <= depth; level += 1) parent = new NestedStack(parent, `Level${level}`);
    const callControl = everything(parent);
    return { root, parent, callControl };
  };

  it.each([1, 2])(
    'declares the CLI’s outputs on the top-level stack too (%i level deep), so `--stack <top-level>` finds them',
    (depth) => {
      const { root, parent, callControl } = build(depth);
      const path = callControl.node.path;

      // The values reach the top-level stack through the nested stacks' outputs (Fn::GetAtt …Outputs.…).
      const top = markedOutputs(root);
      expect(top.map(({ name, constructPath }) => [name, constructPath])).toEqual([
        ['ApiUrl', path],
        ['CleanupFunctionName', path],
      ]);
      for (const { value } of top) expect(value).toMatch(/"Fn::GetAtt":\["Level1NestedStack\w*","Outputs\./);
      // The CLI finds the one construct on the top-level stack, with or without --construct.
      const found = callControlOutputs(
        { stack: root.stackName, construct: undefined },
        deployedOutputs(root),
      );
      expect(found).toEqual({
        ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
        CleanupFunctionName: 'cleanup-fn',
      });
      expect(callControlOutputs({ stack: root.stackName, construct: path }, deployedOutputs(root))).toEqual(
        found,
      );
      // The nested stack keeps its own, for `--stack <nested stack's name>`.
      expect(markedOutputs(parent).map(({ name, constructPath }) => [name, constructPath])).toEqual([
        ['ApiUrl', path],
        ['CleanupFunctionName', path],
      ]);
    },
  );

  it('declares nothing on the top-level stack with cliOutputs false', () => {
    const app = testApp();
    const root = new Stack(app, 'Telephony');
    everything(new NestedStack(root, 'Inner'), { cliOutputs: false });

    expect(Template.fromStack(root).toJSON().Outputs).toBeUndefined();
  });
});

describe('CallControl in other partitions and in an environment-agnostic stack', () => {
  it.each([
    ['aws-cn', { account: '111122223333', region: 'cn-north-1' }],
    ['aws-us-gov', { account: '111122223333', region: 'us-gov-west-1' }],
    ['aws', undefined],
  ] as const)(
    'writes no other partition, region or account than the stack’s into its template (%s)',
    (partition, env) => {
      const app = testApp();
      const stack = new Stack(app, 'Telephony', { env });
      everything(stack, { secretKmsKey: new Key(stack, 'SecretKey') });
      // Asset hashes (64 hex digits, e.g. a bundle's S3Key) may hold a run of 12 digits that is no account.
      const text = JSON.stringify(Template.fromStack(stack).toJSON()).replace(
        /\b[0-9a-f]{64}\b/g,
        '<asset-hash>',
      );
      const found = (pattern: RegExp) => [...new Set([...text.matchAll(pattern)].map((match) => match[1]))];

      // ARNs in the stack's partition only (a literal with the partition-literals flag, else AWS::Partition).
      expect(found(/arn:(aws[a-z-]*):/g)).toEqual(env ? [partition] : []);
      // Regions and accounts only as the stack's own (or its pseudo parameters when agnostic).
      expect(found(/\b((?:us-gov|us|eu|ap|sa|ca|me|af|il|mx|cn)-[a-z]+-\d)\b/g)).toEqual(
        env ? [env.region] : [],
      );
      expect(found(/(?<![-\d])(\d{12})(?![-\d])/g)).toEqual(env ? [env.account] : []);
      // kms:ViaService names Secrets Manager as aws-cdk-lib's grants do (`.amazonaws.com`) and, where the stack may
      // be in aws-cn (known to be, or agnostic), also with that partition's suffix: no source says which form KMS
      // sees there (docs/package.md, Partitions). Nowhere else does a second form appear.
      const viaServices = new Set<string>();
      JSON.parse(text, (key, value) => {
        if (key === 'kms:ViaService') viaServices.add(JSON.stringify(value));
        return value;
      });
      const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
      const region = { Ref: 'AWS::Region' };
      expect([...viaServices].map((value) => JSON.parse(value))).toEqual([
        !env
          ? [
              join('secretsmanager.', region, '.amazonaws.com'),
              join('secretsmanager.', region, '.', { Ref: 'AWS::URLSuffix' }),
            ]
          : partition === 'aws-cn'
            ? [`secretsmanager.${env.region}.amazonaws.com`, `secretsmanager.${env.region}.amazonaws.com.cn`]
            : `secretsmanager.${env.region}.amazonaws.com`,
      ]);
    },
  );

  it.each([
    ['cn-north-1', ['secretsmanager.cn-north-1.amazonaws.com', 'secretsmanager.cn-north-1.amazonaws.com.cn']],
    ['us-gov-west-1', ['secretsmanager.us-gov-west-1.amazonaws.com']],
    ['eu-west-1', ['secretsmanager.eu-west-1.amazonaws.com']],
  ] as const)(
    'writes kms:ViaService by the region (%s) without the partition-literals flag too, as docs/package.md says',
    (region, expected) => {
      // Without @aws-cdk/core:enablePartitionLiterals, Stack.partition is AWS::Partition even with a region.
      const app = testApp({ '@aws-cdk/core:enablePartitionLiterals': false });
      const stack = new Stack(app, 'Telephony', { env: { account: '111122223333', region } });
      everything(stack, { secretKmsKey: new Key(stack, 'SecretKey') });
      const viaServices = new Set<string>();
      JSON.parse(JSON.stringify(Template.fromStack(stack).toJSON()), (key, value) => {
        if (key === 'kms:ViaService') viaServices.add(JSON.stringify([value].flat()));
        return value;
      });

      expect([...viaServices].map((value) => JSON.parse(value))).toEqual([expected]);
    },
  );

  it.each([
    ['weak', /"Fn::GetStackOutput":\{"StackName":"Telephony","Region":"eu-west-1"/],
    ['strong', /"Fn::GetAtt":\["ExportsReader\w+","\/cdk\/exports\/Edge\//],
  ] as const)(
    'hands its API URL to a stack of another region through crossRegionReferences (%s references)',
    (references, crossRegion) => {
      const app = testApp({ '@aws-cdk/core:defaultCrossStackReferences': references });
      const home = new Stack(app, 'Telephony', {
        env: { account: '111122223333', region: 'eu-west-1' },
        crossRegionReferences: true,
      });
      const callControl = everything(home);
      const edge = new Stack(app, 'Edge', {
        env: { account: '111122223333', region: 'us-east-1' },
        crossRegionReferences: true,
      });
      new CfnOutput(edge, 'CallControlApi', { value: callControl.apiUrl });

      const outputs = JSON.stringify(app.synth().getStackByName('Edge').template.Outputs);
      expect(outputs).toMatch(crossRegion);
      expect(outputs).toContain('callcontrolapihttpapi');
    },
  );

  it('synthesises in a nested Stage, under the Stage’s environment', () => {
    const app = testApp();
    const prod = new Stage(app, 'Prod', { env: { account: '111122223333', region: 'eu-west-1' } });
    const stack = new Stack(new Stage(prod, 'Telephony'), 'Calls');
    const callControl = everything(stack);

    expect(stack.stackName).toBe('Prod-Telephony-Calls');
    expect(callControl.metricsInstance).toBe('Prod-Telephony-Calls/call-control');
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).toContain('eu-west-1');
  });
});

describe('CallControl under a permissions boundary and the feature flags of a `cdk init` app', () => {
  it('puts the stack’s permissions boundary on every role it makes', () => {
    const app = testApp();
    const stack = new Stack(app, 'Telephony', {
      env: { account: '111122223333', region: 'eu-west-1' },
      permissionsBoundary: PermissionsBoundary.fromName('team-boundary'),
    });
    everything(stack);
    const roles = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role')) as Array<{
      Properties: { PermissionsBoundary?: unknown };
    }>;

    expect(roles.length).toBeGreaterThanOrEqual(8);
    for (const role of roles) {
      expect(JSON.stringify(role.Properties.PermissionsBoundary)).toContain(
        ':iam::111122223333:policy/team-boundary',
      );
    }
  });

  // The flags `cdk init app` writes (the consumer suite's fixture is such an app's cdk.json).
  const initFlags = (
    JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'consumer', 'ts-app', 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    }
  ).context;
  const template = (context: Record<string, unknown>) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
    const stack = new Stack(app, 'Telephony', { env: { account: '111122223333', region: 'eu-west-1' } });
    everything(stack);
    return { app, text: JSON.stringify(Template.fromStack(stack).toJSON()) };
  };

  it('changes its template under two of those flags only, as docs/package.md says, and passes AwsSolutions with none of them', () => {
    const { app, text: withoutFlags } = template({});
    const changing = ['@aws-cdk/aws-iam:minimizePolicies', '@aws-cdk/core:enablePartitionLiterals'];

    expect(Object.keys(initFlags).length).toBeGreaterThan(50);
    // Every other flag together changes nothing; each of the two alone does.
    expect(template(initFlags).text).toBe(
      template(Object.fromEntries(changing.map((flag) => [flag, initFlags[flag]]))).text,
    );
    for (const flag of changing) {
      expect(initFlags[flag]).toBe(true);
      expect(template({ [flag]: true }).text).not.toBe(withoutFlags);
    }
    const docs = readFileSync(join(PROJECT_ROOT, 'docs', 'package.md'), 'utf8');
    for (const flag of changing) expect(docs).toContain(`\`${flag}\``);
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
  }, 120_000);
});
