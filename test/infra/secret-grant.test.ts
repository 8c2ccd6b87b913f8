/**
 * What a CallControl function may do with the SignalWire secret, read from the role policy one function gets:
 * GetSecretValue on that one secret (a name matched with Secrets Manager's six random characters, a complete
 * ARN as it is), and with a customer-managed key, kms:Decrypt on that key only through Secrets Manager in the
 * stack's region, under each name KMS may know the service by in the stack's partition.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import type { CallControlProps } from '../../infra/props.ts';
import { grantSecretValue } from '../../infra/shared-resources.ts';

interface Statement {
  Action: unknown;
  Resource: unknown;
  Condition?: { StringEquals?: Record<string, unknown> };
}

/** The statements of the one function's role policy, with `secret` and `key` as given in `env`. */
const statementsFor = (
  secret: Pick<CallControlProps, 'secretName' | 'secretArn'>,
  options: { env?: { account: string; region: string }; key?: boolean } = {},
): { stack: Stack; statements: Statement[] } => {
  const stack = new Stack(new App(), 'grants', options.env ? { env: options.env } : {});
  const fn = new LambdaFunction(stack, 'fn', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => {};'),
  });
  const props = {
    ...secret,
    ...(options.key ? { secretKmsKey: new Key(stack, 'key') } : {}),
  } as CallControlProps;
  grantSecretValue(fn, props);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const statements = Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
  return { stack, statements };
};

const ireland = { account: '111122223333', region: 'eu-west-1' };

/** A CloudFormation value as text: `Fn::Join` joined, a `Ref` as `<Ref>`. */
const text = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(text);
  if (typeof value !== 'object' || value === null) return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join)
    return join[1]
      .map((part) => (typeof part === 'string' ? part : `<${String((part as { Ref: string }).Ref)}>`))
      .join(join[0]);
  return value;
};

describe('GetSecretValue on the one secret', () => {
  it('matches a secret given by name with exactly six characters more, in the stack’s account and region', () => {
    const { statements } = statementsFor({ secretName: 'signalwire/call-control' }, { env: ireland });
    expect(statements.map((statement) => ({ ...statement, Resource: text(statement.Resource) }))).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource:
          'arn:<AWS::Partition>:secretsmanager:eu-west-1:111122223333:secret:signalwire/call-control-??????',
      },
    ]);
  });

  it('takes a complete ARN as it is, and grants no KMS permission without a key', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:signalwire-AbCdEf';
    const { statements } = statementsFor({ secretArn: arn }, { env: ireland });
    expect(statements).toEqual([{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: arn }]);
  });
});

describe('kms:Decrypt on the key only through Secrets Manager in the stack’s region', () => {
  const decrypt = (options: { env?: { account: string; region: string } }) => {
    const { statements } = statementsFor({ secretName: 'signalwire' }, { ...options, key: true });
    const kms = statements.filter((statement) => statement.Action === 'kms:Decrypt');
    expect(kms).toHaveLength(1);
    expect(kms[0]?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^key/), 'Arn'] });
    return text(kms[0]?.Condition?.StringEquals?.['kms:ViaService']);
  };

  it('in the aws partition, Secrets Manager’s one name there', () => {
    expect(decrypt({ env: ireland })).toBe('secretsmanager.eu-west-1.amazonaws.com');
  });

  it('in aws-cn, both names KMS may match: the service name and the endpoint’s .com.cn', () => {
    expect(decrypt({ env: { account: '111122223333', region: 'cn-north-1' } })).toEqual([
      'secretsmanager.cn-north-1.amazonaws.com',
      'secretsmanager.cn-north-1.amazonaws.com.cn',
    ]);
  });

  it('in a region unknown at synth (env-agnostic), the service name and the deploy partition’s URL suffix', () => {
    expect(decrypt({})).toEqual([
      'secretsmanager.<AWS::Region>.amazonaws.com',
      'secretsmanager.<AWS::Region>.<AWS::URLSuffix>',
    ]);
  });
});
