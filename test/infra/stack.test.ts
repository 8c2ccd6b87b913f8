import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as PackageEntry from '../../infra/index.ts';
import { CallControlStack } from '../../infra/stack.ts';
import { normaliseTemplate, schemaFixtureDirectory, testApp } from './support.ts';

const schemasDirectory = schemaFixtureDirectory();
afterAll(() => rmSync(schemasDirectory, { recursive: true, force: true }));

/** Context as a deployment with everything on would pass it on the command line: strings only. */
const FULL_CONTEXT = {
  secretName: 'signalwire/call-control',
  secretKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/2f6b3c1e-0000-4000-8000-000000000001',
  eventSources: 'com.example.dispatch,com.example.crm',
  cleanupSchedules: JSON.stringify([
    { name: 'stale-calls', policy: { maxAgeSeconds: { inProgress: 14_400 } } },
    {
      name: 'nightly',
      schedule: 'cron(0 3 * * ? *)',
      policy: { maxAgeSeconds: { ringing: 600 } },
      enabled: false,
    },
  ]),
  alarmEmail: 'oncall@example.com',
};

/**
 * The stack as `cdk synth` builds it, reading the event schemas from the test's fixture directory. CDK's
 * built-in CloudFormation validation stays off (it costs seconds per file); `cdk synth` runs it.
 */
const buildStack = (context: Record<string, unknown>): { app: App; stack: Stack } => {
  const app = testApp({ schemasDirectory, ...context });
  const stack = new CallControlStack(app, 'SignalWireCallControl');
  return { app, stack };
};

describe('CallControlStack with every feature configured through context', () => {
  let app: App;
  let template: Template;
  beforeAll(() => {
    let stack: Stack;
    ({ app, stack } = buildStack(FULL_CONTEXT));
    template = Template.fromStack(stack);
  });

  it('outputs the API and webhook URLs, the bus, registry and cleanup function names, and every dead-letter queue URL', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      [
        'ApiUrl',
        'StatusCallbackUrl',
        'EventBusName',
        'CleanupFunctionName',
        'SchemaRegistryName',
        'CallUpdateDeliveryDlqUrl',
        'CallUpdateFailureDlqUrl',
        'CleanupScheduleDlqUrl',
        'CleanupFailureDlqUrl',
      ].sort(),
    );
    template.hasOutput('StatusCallbackUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['/webhooks/signalwire/status'])] },
    });
  });

  it('subscribes the alarm e-mail to a TLS-only topic that CloudWatch of this account may publish to', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('reads the comma-separated sources, the JSON schedules and the KMS key from string context', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.example.dispatch', 'com.example.crm'] },
    });
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt' })]) },
    });
  });

  it('has no unacknowledged AwsSolutions (cdk-nag) finding', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges each cdk-nag rule on a single resource with a specific reason', () => {
    const acknowledgments: { path: string; id: string; resources: number }[] = [];
    const visit = (construct: IConstruct): void => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
            expect(String(reason).length, id).toBeGreaterThan(60);
            acknowledgments.push({
              path: construct.node.path.replace('SignalWireCallControl/', ''),
              id: id.replace(/^annotation::/i, ''),
              resources: construct.node.findAll().filter(CfnResource.isCfnResource).length,
            });
          }
        }
      }
      construct.node.children.forEach(visit);
    };
    visit(app);

    expect(acknowledgments.map(({ path, id }) => `${id} ${path}`).sort()).toEqual(
      [
        'AwsSolutions-APIG4 call-control/api/get-webhooks-signalwire-status/Resource',
        'AwsSolutions-APIG4 call-control/api/post-webhooks-signalwire-status/Resource',
        'AwsSolutions-L1 call-control/http-api-function/Resource',
        'AwsSolutions-L1 call-control/status-callback-function/Resource',
        'AwsSolutions-L1 call-control/cleanup-function/Resource',
        'AwsSolutions-L1 call-control/call-update-events-function/Resource',
        'AwsSolutions-IAM5[Resource::*] call-control/http-api-function-role/DefaultPolicy',
        'AwsSolutions-IAM5[Resource::*] call-control/status-callback-function-role/DefaultPolicy',
        'AwsSolutions-IAM5[Resource::*] call-control/cleanup-function-role/DefaultPolicy',
        'AwsSolutions-IAM5[Resource::*] call-control/call-update-events-function-role/DefaultPolicy',
        'AwsSolutions-SNS2 alarm-topic/Resource',
        'AwsSolutions-SQS3 call-control/call-update-events/delivery-dead-letter-queue/Resource',
        'AwsSolutions-SQS3 call-control/call-update-events/failure-dead-letter-queue/Resource',
        'AwsSolutions-SQS3 call-control/cleanup-schedules/dead-letter-queue/Resource',
        'AwsSolutions-SQS3 call-control/cleanup-failure-dead-letter-queue/Resource',
      ].sort(),
    );
    for (const { path, resources } of acknowledgments) {
      expect(resources, path).toBe(1);
    }
  });

  it('matches the template snapshot (asset hashes normalised)', () => {
    expect(normaliseTemplate(template.toJSON())).toMatchSnapshot();
  });
});

describe('CallControlStack with cdk.json defaults', () => {
  let app: App;
  let template: Template;
  beforeAll(() => {
    let stack: Stack;
    ({ app, stack } = buildStack({}));
    template = Template.fromStack(stack);
  });

  it('protects the operator API with IAM and reads the secret named in cdk.json', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /calls/{callSid}/terminate',
      AuthorizationType: 'AWS_IAM',
    });
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SIGNALWIRE_SECRET_ID: 'signalwire/call-control' }) },
    });
  });

  it('deploys no cleanup schedule, no bus consumer and no alarm topic until configured', () => {
    for (const type of ['AWS::Scheduler::Schedule', 'AWS::Events::Rule', 'AWS::SNS::Topic']) {
      expect(template.findResources(type), type).toEqual({});
    }
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([
      'ApiUrl',
      'CleanupFunctionName',
      'EventBusName',
      'SchemaRegistryName',
      'StatusCallbackUrl',
    ]);
  });

  it('has no unacknowledged AwsSolutions (cdk-nag) finding either', () => {
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
  });

  it('switches operators to a JWT authorizer when the context says so', () => {
    const { stack } = buildStack({
      authMode: 'jwt',
      jwtIssuer: 'https://issuer.example.com',
      jwtAudience: 'console,cli',
    });

    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com', Audience: ['console', 'cli'] },
    });
  });
});

describe('CallControl in an app of its own', () => {
  it('synthesises from the package entry with only the required props, without this cdk.json, staging the prebuilt bundles', () => {
    // Prepare: a bare App, as an adopting team would have, importing what the package exports (`./infra`).
    const outdir = mkdtempSync(join(tmpdir(), 'call-control-consumer-'));
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'consumer');
    new PackageEntry.CallControl(stack, 'call-control', { secretName: 'signalwire/call-control' });

    // Act: a real synth; the functions' code is the prebuilt bundles of `npm run build` (the default).
    const assembly = app.synth();

    // Assess
    const template = Template.fromJSON(assembly.getStackByName('consumer').template);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 12);
    template.resourceCountIs('AWS::EventSchemas::Schema', 4);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default' });
    const bundles = readdirSync(outdir).filter((name) => existsSync(join(outdir, name, 'index.mjs')));
    expect(bundles).toHaveLength(3);
    rmSync(outdir, { recursive: true, force: true });
  });
});
