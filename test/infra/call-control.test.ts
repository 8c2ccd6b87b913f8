import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../functions/commons/calls/audit.ts';
import { parseCleanupEvent } from '../../functions/commons/cleanup/policy.ts';
import { CallControl, type CallControlProps } from '../../infra/call-control.ts';
import {
  DEFAULT_METRICS_NAMESPACE,
  STATUS_CALLBACK_SERVICE_NAME,
  STATUS_CALLBACKS_REJECTED_METRIC,
} from '../../infra/metric-names.ts';
import { parseMarkedDescription } from '../../infra/stack-outputs.ts';
import {
  actionsOf,
  type PolicyStatementJson,
  renderCfnString,
  schemaFixtureDirectory,
  statementsOfRole,
  testApp,
} from './support.ts';

const schemasDirectory = schemaFixtureDirectory();
afterAll(() => rmSync(schemasDirectory, { recursive: true, force: true }));

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/2f6b3c1e-0000-4000-8000-000000000001';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:signalwire/call-control-AbC123';
const NAMED_SECRET_ARN =
  'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:signalwire/call-control-??????';

/** Builds the construct in a fresh stack; `withExtras` adds a topic and a KMS key defined in that stack. */
const synthesise = (
  props: Partial<CallControlProps>,
  withExtras = false,
): { template: Template; callControl: CallControl } => {
  const stack = new Stack(testApp(), 'call-control-test');
  const extras = withExtras
    ? {
        alarmTopic: new Topic(stack, 'alarm-topic', { enforceSSL: true }),
        secretKmsKey: Key.fromKeyArn(stack, 'secret-key', KEY_ARN),
      }
    : {};
  const callControl = new CallControl(stack, 'call-control', {
    schemasDirectory,
    ...extras,
    ...props,
  } as CallControlProps);
  return { template: Template.fromStack(stack), callControl };
};

const FULL_PROPS: Partial<CallControlProps> = {
  secretName: 'signalwire/call-control',
  callUpdateEvents: { allowedSources: ['com.example.dispatch', 'com.example.crm'] },
  cleanupSchedules: [
    { name: 'stale-calls', policy: { maxAgeSeconds: { inProgress: 14_400 }, maxCallsToEnd: 50 } },
    {
      name: 'nightly',
      schedule: 'cron(0 3 * * ? *)',
      policy: { maxAgeSeconds: { ringing: 600 } },
      enabled: false,
    },
  ],
  cleanupDefaultPolicy: { maxAgeSeconds: { inProgress: 28_800 } },
};

/** A resource as `Template.findResources` returns it. */
type Resource = ReturnType<Template['findResources']>[string];

/** The Lambda function whose POWERTOOLS_SERVICE_NAME is `service`, with its logical ID and its role's. */
const functionByService = (
  template: Template,
  service: string,
): { id: string; fn: Resource; roleId: string } => {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === service,
  );
  if (!found) {
    throw new Error(`no function for service ${service}`);
  }
  const [id, fn] = found;
  return { id, fn, roleId: fn.Properties.Role['Fn::GetAtt'][0] };
};

const SERVICES = {
  httpApi: 'call-control-http-api',
  statusCallback: 'call-control-status-callback',
  cleanup: 'call-control-cleanup',
  callUpdateEvents: 'call-control-call-update-events',
} as const;

const allStatements = (template: Template): PolicyStatementJson[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as PolicyStatementJson[],
  );

/** The logical ID of `fn`'s alias `name`, which must point at `$LATEST`. */
const aliasOf = (template: Template, functionId: string, name: string): string => {
  const found = Object.entries(template.findResources('AWS::Lambda::Alias')).filter(
    ([, alias]) => alias.Properties.FunctionName.Ref === functionId && alias.Properties.Name === name,
  );
  expect(found).toHaveLength(1);
  expect(found[0]?.[1].Properties.FunctionVersion).toBe('$LATEST');
  return found[0]?.[0] ?? '';
};

const idOfType = (template: Template, type: string): string => {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0] ?? '';
};

describe('CallControl with every feature on (IAM auth, schedules, bus consumer, KMS key, alarm topic)', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesise(FULL_PROPS, true));
  });

  describe('HTTP API', () => {
    it('requires AWS_IAM on every operator route and leaves only the webhook routes (POST, GET) unauthenticated', () => {
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      const authByRoute = Object.fromEntries(
        routes.map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationType]),
      );

      expect(authByRoute).toEqual({
        'POST /calls/{callSid}': 'AWS_IAM',
        'POST /calls/{callSid}/terminate': 'AWS_IAM',
        'POST /calls/{callSid}/transfer': 'AWS_IAM',
        'GET /calls/{callSid}': 'AWS_IAM',
        'GET /calls': 'AWS_IAM',
        'POST /accounts/{accountSid}/calls/{callSid}': 'AWS_IAM',
        'POST /accounts/{accountSid}/calls/{callSid}/terminate': 'AWS_IAM',
        'POST /accounts/{accountSid}/calls/{callSid}/transfer': 'AWS_IAM',
        'GET /accounts/{accountSid}/calls/{callSid}': 'AWS_IAM',
        'GET /accounts/{accountSid}/calls': 'AWS_IAM',
        'POST /webhooks/signalwire/status': 'NONE',
        'GET /webhooks/signalwire/status': 'NONE',
      });
    });

    it('sends operator routes to the HTTP API function and the webhook to the status-callback function', () => {
      const httpApi = functionByService(template, SERVICES.httpApi);
      const statusCallback = functionByService(template, SERVICES.statusCallback);
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      const targetOf = (routeKey: string): string => {
        const route = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find(
          (candidate) => candidate.Properties.RouteKey === routeKey,
        );
        const integrationId = route?.Properties.Target['Fn::Join'][1][1].Ref;
        const uri = integrations[integrationId]?.Properties.IntegrationUri;
        return uri?.Ref ?? uri?.['Fn::GetAtt'][0];
      };

      // The operator routes invoke the HTTP function's api-gateway alias (its Ref is the alias ARN).
      const operatorAlias = aliasOf(template, httpApi.id, 'api-gateway');
      expect(targetOf('POST /calls/{callSid}/terminate')).toBe(operatorAlias);
      expect(targetOf('GET /accounts/{accountSid}/calls')).toBe(operatorAlias);
      expect(targetOf('POST /webhooks/signalwire/status')).toBe(statusCallback.id);
      template.allResourcesProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
    });

    it('throttles the $default stage and gives the webhook route its own limits', () => {
      const webhookRouteId = Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).find(
        ([, route]) => route.Properties.RouteKey === 'POST /webhooks/signalwire/status',
      )?.[0];
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as Resource;

      expect(stage.Properties).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        RouteSettings: {
          'POST /webhooks/signalwire/status': { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
        },
      });
      // The route settings name the route, which must exist before the stage refers to it.
      expect(stage.DependsOn).toContain(webhookRouteId);
    });

    it('writes JSON access logs with the caller identity to a log group with retention', () => {
      const destination = new Capture();
      const format = new Capture();
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [destination, 'Arn'] }, Format: format },
      });

      expect(JSON.parse(format.asString())).toMatchObject({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        callerArn: '$context.identity.userArn',
      });
      expect(template.findResources('AWS::Logs::LogGroup')[destination.asString()]).toMatchObject({
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Retain',
      });
    });
  });

  describe('functions', () => {
    it('runs all four functions on nodejs24.x, arm64, with active tracing', () => {
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));

      expect(functions).toHaveLength(4);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
        });
        // The bundles map their own stack traces, reading the source map only when one is written.
        expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
      }
    });

    it('gives every function an explicit log group with one-month retention', () => {
      const logGroups = template.findResources('AWS::Logs::LogGroup');
      for (const service of Object.values(SERVICES)) {
        const { fn } = functionByService(template, service);
        const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;

        expect(logGroups[logGroupId], service).toMatchObject({
          Properties: { RetentionInDays: 30 },
          DeletionPolicy: 'Retain',
        });
      }
    });

    it("passes every function the secret's name (never a value) and the SignalWire settings", () => {
      for (const service of Object.values(SERVICES)) {
        const { fn } = functionByService(template, service);

        expect(fn.Properties.Environment.Variables, service).toMatchObject({
          SIGNALWIRE_SECRET_ID: 'signalwire/call-control',
          SECRET_CACHE_TTL_SECONDS: '300',
          SIGNALWIRE_TIMEOUT_MS: '5000',
          POWERTOOLS_METRICS_NAMESPACE: 'SignalWireCallControl',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          // X-Ray is on (above); the Powertools Tracer is not bundled unless `powertoolsTracer` asks for it.
          POWERTOOLS_TRACE_DISABLED: 'true',
        });
      }
    });

    it('answers API requests within API Gateway\u2019s 30-second integration limit', () => {
      expect(functionByService(template, SERVICES.httpApi).fn.Properties.Timeout).toBe(28);
    });

    it('runs one cleanup at a time, for at most 5 minutes, with its settings and default policy', () => {
      const { id, fn } = functionByService(template, SERVICES.cleanup);

      expect(fn.Properties).toMatchObject({ ReservedConcurrentExecutions: 1, Timeout: 300 });
      expect(fn.Properties.Environment.Variables).toMatchObject({
        CLEANUP_CONCURRENCY: '10',
        CLEANUP_MAX_ENDS_PER_SECOND: '200',
        CLEANUP_TIME_MARGIN_MS: '10000',
        CLEANUP_DEFAULT_POLICY: JSON.stringify({ maxAgeSeconds: { inProgress: 28_800 } }),
      });
      const failureQueue = new Capture();
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureQueue, 'Arn'] } } },
      });
      // A failed run lands, with its error, in a queue of its own, which is alarmed like every DLQ.
      expect(failureQueue.asString()).toMatch(/cleanupfailuredeadletterqueue/);
    });

    it('tells the bus functions where to publish and as whom', () => {
      const busId = idOfType(template, 'AWS::Events::EventBus');
      const tableId = idOfType(template, 'AWS::DynamoDB::Table');

      const environmentOf = (service: string): Record<string, unknown> =>
        functionByService(template, service).fn.Properties.Environment.Variables;

      expect(environmentOf(SERVICES.statusCallback)).toMatchObject({
        EVENT_BUS_NAME: { Ref: busId },
        EVENT_SOURCE: 'call-control',
      });
      // Without a custom domain the function rebuilds the signed URL from the request.
      expect(environmentOf(SERVICES.statusCallback).PUBLIC_BASE_URL).toBeUndefined();
      expect(environmentOf(SERVICES.callUpdateEvents)).toMatchObject({
        EVENT_BUS_NAME: { Ref: busId },
        EVENT_SOURCE: 'call-control',
        IDEMPOTENCY_TABLE_NAME: { Ref: tableId },
        IDEMPOTENCY_TTL_SECONDS: '86400',
        ALLOWED_EVENT_SOURCES: 'com.example.dispatch,com.example.crm',
      });
    });
  });

  describe('IAM', () => {
    it('grants every function GetSecretValue on that one secret and nothing else from Secrets Manager', () => {
      for (const service of Object.values(SERVICES)) {
        const secretStatements = statementsOfRole(
          template,
          functionByService(template, service).roleId,
        ).filter((statement) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:')));

        expect(secretStatements, service).toHaveLength(1);
        expect(actionsOf(secretStatements[0] as PolicyStatementJson)).toEqual([
          'secretsmanager:GetSecretValue',
        ]);
        expect(renderCfnString(secretStatements[0]?.Resource)).toBe(NAMED_SECRET_ARN);
      }
    });

    it('grants kms:Decrypt on the given key only, and only through Secrets Manager', () => {
      for (const service of Object.values(SERVICES)) {
        const kmsStatements = statementsOfRole(template, functionByService(template, service).roleId).filter(
          (statement) => actionsOf(statement).some((action) => action.startsWith('kms:')),
        );

        expect(kmsStatements, service).toHaveLength(1);
        expect(kmsStatements[0]).toMatchObject({ Action: 'kms:Decrypt', Effect: 'Allow', Resource: KEY_ARN });
        // The stack's partition is unknown at synth: both names Secrets Manager may carry (aws-cn's too).
        expect(
          ((kmsStatements[0]?.Condition?.StringEquals?.['kms:ViaService'] ?? []) as unknown[]).map(
            renderCfnString,
          ),
        ).toEqual([
          'secretsmanager.<AWS::Region>.amazonaws.com',
          'secretsmanager.<AWS::Region>.<AWS::URLSuffix>',
        ]);
      }
    });

    it('uses the * resource only for the X-Ray actions that support nothing else', () => {
      const wildcard = allStatements(template).filter((statement) =>
        JSON.stringify(statement.Resource).includes('*'),
      );

      expect(wildcard.length).toBeGreaterThan(0);
      for (const statement of wildcard) {
        expect(statement.Resource).toBe('*');
        expect(actionsOf(statement).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
    });

    it('lets only the bus functions publish, only to that bus and only as their event source (call-control by default)', () => {
      const busId = idOfType(template, 'AWS::Events::EventBus');
      const publishStatements = (service: string): PolicyStatementJson[] =>
        statementsOfRole(template, functionByService(template, service).roleId).filter((statement) =>
          actionsOf(statement).some((action) => action.startsWith('events:')),
        );

      for (const service of [SERVICES.statusCallback, SERVICES.callUpdateEvents]) {
        expect(publishStatements(service), service).toEqual([
          {
            Action: 'events:PutEvents',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [busId, 'Arn'] },
            Condition: { StringEquals: { 'events:source': 'call-control' } },
          },
        ]);
      }
      expect(publishStatements(SERVICES.httpApi)).toEqual([]);
      expect(publishStatements(SERVICES.cleanup)).toEqual([]);
    });

    it('gives the call-update and status-callback functions item access to the one idempotency table alone', () => {
      const tableId = idOfType(template, 'AWS::DynamoDB::Table');
      const itemAccess = {
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      };
      const dynamoStatements = allStatements(template).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
      );

      expect(dynamoStatements).toEqual([itemAccess, itemAccess]);
      for (const service of [SERVICES.callUpdateEvents, SERVICES.statusCallback]) {
        expect(statementsOfRole(template, functionByService(template, service).roleId)).toContainEqual(
          itemAccess,
        );
      }
    });

    it('tells the status-callback function the table and the replay window (a day by default)', () => {
      const tableId = idOfType(template, 'AWS::DynamoDB::Table');
      const statusCallback = Object.values(template.findResources('AWS::Lambda::Function')).find(
        (fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === SERVICES.statusCallback,
      );

      expect(statusCallback?.Properties.Environment.Variables).toMatchObject({
        IDEMPOTENCY_TABLE_NAME: { Ref: tableId },
        STATUS_CALLBACK_REPLAY_WINDOW_SECONDS: '86400',
      });
    });
  });

  describe('cleanup schedules', () => {
    const schedules = (): Resource[] => Object.values(template.findResources('AWS::Scheduler::Schedule'));

    it('creates one schedule per entry with its expression, state and input', () => {
      const summary = schedules().map((schedule) => ({
        expression: schedule.Properties.ScheduleExpression,
        state: schedule.Properties.State,
        input: JSON.parse((schedule.Properties.Target as { Input: string }).Input),
      }));

      const scheduler = {
        scheduleArn: '<aws.scheduler.schedule-arn>',
        executionId: '<aws.scheduler.execution-id>',
        scheduledTime: '<aws.scheduler.scheduled-time>',
        attemptNumber: '<aws.scheduler.attempt-number>',
      };

      expect(summary).toEqual([
        {
          expression: 'rate(5 minutes)',
          state: 'ENABLED',
          input: {
            scheduleName: 'stale-calls',
            policy: { maxAgeSeconds: { inProgress: 14_400 }, maxCallsToEnd: 50 },
            scheduler,
          },
        },
        {
          expression: 'cron(0 3 * * ? *)',
          state: 'DISABLED',
          input: { scheduleName: 'nightly', policy: { maxAgeSeconds: { ringing: 600 } }, scheduler },
        },
      ]);
    });

    it('passes a policy narrowed by apis to the function as written, and the function accepts it', () => {
      const narrowed = synthesise({
        secretName: 'signalwire/call-control',
        cleanupSchedules: [
          { name: 'campaigns', policy: { maxAgeSeconds: { queued: 600 }, apis: ['calling'] } },
        ],
      });
      const [schedule] = Object.values(narrowed.template.findResources('AWS::Scheduler::Schedule'));
      expect(schedule).toBeDefined();
      const input = JSON.parse(((schedule as Resource).Properties.Target as { Input: string }).Input);

      expect(input.policy).toEqual({ maxAgeSeconds: { queued: 600 }, apis: ['calling'] });
      expect(
        parseCleanupEvent({ scheduleName: input.scheduleName, policy: input.policy }, undefined).policy.apis,
      ).toEqual(['calling']);
    });

    it("puts the context attributes EventBridge Scheduler attests into every input, as the function's schema reads them", () => {
      for (const schedule of schedules()) {
        const input = JSON.parse((schedule.Properties.Target as { Input: string }).Input);
        // What Scheduler substitutes: a real ARN of this schedule, an execution id, a time, an attempt.
        const substituted = JSON.parse(
          JSON.stringify(input)
            .replace(
              '<aws.scheduler.schedule-arn>',
              `arn:aws:scheduler:eu-west-1:111122223333:schedule/default/${input.scheduleName}`,
            )
            .replace('<aws.scheduler.execution-id>', 'd32c5kddcf5bb8c3')
            .replace('<aws.scheduler.scheduled-time>', '2026-11-29T23:00:00Z')
            .replace('<aws.scheduler.attempt-number>', '1'),
        );

        expect(parseCleanupEvent(substituted, undefined).scheduler).toEqual({
          scheduleArn: `arn:aws:scheduler:eu-west-1:111122223333:schedule/default/${input.scheduleName}`,
          executionId: 'd32c5kddcf5bb8c3',
          scheduledTime: '2026-11-29T23:00:00Z',
          attemptNumber: '1',
        });
      }
    });

    it('targets the cleanup function with two retries within an hour and an SQS dead-letter queue', () => {
      const cleanup = functionByService(template, SERVICES.cleanup);
      for (const schedule of schedules()) {
        expect(schedule.Properties.Target).toMatchObject({
          // The scheduler alias: what the audit records attest a schedule by.
          Arn: { Ref: aliasOf(template, cleanup.id, 'scheduler') },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: {
            Arn: {
              'Fn::GetAtt': [expect.stringMatching(/^callcontrolcleanupschedulesdeadletterqueue/), 'Arn'],
            },
          },
        });
      }
    });

    it('uses a role that EventBridge Scheduler of this account assumes and that may invoke only the cleanup function', () => {
      const cleanup = functionByService(template, SERVICES.cleanup);
      const target = schedules()[0]?.Properties.Target;
      const roleId: string = target.RoleArn['Fn::GetAtt'][0];
      const role = template.findResources('AWS::IAM::Role')[roleId];

      const groupId = idOfType(template, 'AWS::Scheduler::ScheduleGroup');
      expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          // Only this account's schedules, and only those of this schedule group (no confused deputy).
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': { 'Fn::GetAtt': [groupId, 'Arn'] },
            },
          },
        },
      ]);
      expect(statementsOfRole(template, roleId)).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: { Ref: aliasOf(template, cleanup.id, 'scheduler') },
        },
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: target.DeadLetterConfig.Arn },
      ]);
    });
  });

  describe('issue 17: who may invoke which alias (attestation only from what AWS attests)', () => {
    const permissionsOf = (target: unknown) =>
      Object.values(template.findResources('AWS::Lambda::Permission'))
        .map((permission) => permission.Properties)
        .filter((properties) => JSON.stringify(properties.FunctionName) === JSON.stringify(target));

    it('lets only this API Gateway invoke the HTTP function, and only through its api-gateway alias', () => {
      const httpApi = functionByService(template, SERVICES.httpApi);
      const alias = aliasOf(template, httpApi.id, 'api-gateway');
      const apiId = idOfType(template, 'AWS::ApiGatewayV2::Api');

      const onAlias = permissionsOf({ Ref: alias });
      expect(onAlias.length).toBeGreaterThan(0);
      for (const permission of onAlias) {
        expect(permission).toMatchObject({
          Action: 'lambda:InvokeFunction',
          Principal: 'apigateway.amazonaws.com',
        });
        expect(JSON.stringify(permission.SourceArn)).toContain(apiId);
      }
      // Nothing may invoke the unqualified function through its resource policy: a direct invoke needs an
      // IAM grant, and is audited as claimed.
      expect(permissionsOf({ 'Fn::GetAtt': [httpApi.id, 'Arn'] })).toEqual([]);
      expect(permissionsOf({ Ref: httpApi.id })).toEqual([]);
    });

    it('lets only the Call Update Requested rule invoke the event function, and only through its event-rule alias', () => {
      const { id } = functionByService(template, SERVICES.callUpdateEvents);
      const alias = aliasOf(template, id, 'event-rule');
      const ruleId = idOfType(template, 'AWS::Events::Rule');

      expect(permissionsOf({ Ref: alias })).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: { Ref: alias },
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
        },
      ]);
      expect(permissionsOf({ 'Fn::GetAtt': [id, 'Arn'] })).toEqual([]);
      // Retries and the failure queue apply to the rule's alias as to a hand invoke.
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id },
        // The alias's name, read from its ARN.
        Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: alias }] }] },
        MaximumRetryAttempts: 2,
      });
    });

    it("grants the scheduler alias to the schedules' role alone, and nobody a wildcard over the functions' aliases", () => {
      const cleanup = functionByService(template, SERVICES.cleanup);
      const alias = aliasOf(template, cleanup.id, 'scheduler');

      const onAlias = allStatements(template).filter(
        (statement) => JSON.stringify(statement.Resource) === JSON.stringify({ Ref: alias }),
      );
      expect(onAlias).toEqual([
        { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { Ref: alias } },
      ]);
      expect(permissionsOf({ Ref: alias })).toEqual([]);
      // No `function:<name>:*` (what CDK's grantInvoke adds), which would cover every alias.
      expect(JSON.stringify(allStatements(template))).not.toMatch(/:\*"\]\]\}/);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: cleanup.id },
        Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: alias }] }] },
        MaximumRetryAttempts: 0,
      });
    });
  });

  describe('EventBridge consumer', () => {
    it('matches only Call Update Requested events from the allowed sources', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: idOfType(template, 'AWS::Events::EventBus') },
        EventPattern: {
          'detail-type': ['Call Update Requested'],
          source: ['com.example.dispatch', 'com.example.crm'],
        },
      });
    });

    it('delivers to the call-update function with retries and a dead-letter queue', () => {
      const { id } = functionByService(template, SERVICES.callUpdateEvents);
      const deadLetterQueue = new Capture();

      template.hasResourceProperties('AWS::Events::Rule', {
        Targets: [
          {
            Arn: { Ref: aliasOf(template, id, 'event-rule') },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterQueue, 'Arn'] } },
          },
        ],
      });
      expect(deadLetterQueue.asString()).toMatch(/deliverydeadletterqueue/);
    });

    it('retries failed invocations and sends the ones that still fail to a second dead-letter queue', () => {
      const { id } = functionByService(template, SERVICES.callUpdateEvents);
      const failureQueue = new Capture();

      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureQueue, 'Arn'] } } },
      });
      expect(failureQueue.asString()).toMatch(/failuredeadletterqueue/);
    });

    it('keeps every dead-letter queue encrypted, TLS-only, for 14 days', () => {
      const queues = template.findResources('AWS::SQS::Queue');

      // delivery and failure of the event consumer, the scheduler's, failed cleanup runs
      expect(Object.keys(queues)).toHaveLength(4);
      for (const [queueId, queue] of Object.entries(queues)) {
        expect(queue.Properties).toEqual({ MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: queueId }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('stores idempotency records on demand, with TTL and point-in-time recovery, retained', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        },
        DeletionPolicy: 'Retain',
      });
    });

    it('publishes the four event schemas from the schema files as JSON Schema draft 4', () => {
      const registryId = idOfType(template, 'AWS::EventSchemas::Registry');
      const schemas = Object.values(template.findResources('AWS::EventSchemas::Schema')).map((schema) => ({
        name: schema.Properties.SchemaName,
        type: schema.Properties.Type,
        registry: schema.Properties.RegistryName,
        content: JSON.parse(schema.Properties.Content),
      }));
      const fileContent = (fileName: string): unknown =>
        JSON.parse(readFileSync(join(schemasDirectory, fileName), 'utf8'));
      const registry = { 'Fn::GetAtt': [registryId, 'RegistryName'] };

      expect(schemas).toEqual([
        {
          name: 'call-control@CallUpdateRequested',
          type: 'JSONSchemaDraft4',
          registry,
          content: fileContent('call-update-requested.schema.json'),
        },
        {
          name: 'call-control@CallUpdated',
          type: 'JSONSchemaDraft4',
          registry,
          content: fileContent('call-updated.schema.json'),
        },
        {
          name: 'call-control@CallUpdateFailed',
          type: 'JSONSchemaDraft4',
          registry,
          content: fileContent('call-update-failed.schema.json'),
        },
        {
          name: 'call-control@CallStatusChanged',
          type: 'JSONSchemaDraft4',
          registry,
          content: fileContent('call-status-changed.schema.json'),
        },
      ]);
    });
  });

  describe('alarms', () => {
    const alarms = (): Resource[] => Object.values(template.findResources('AWS::CloudWatch::Alarm'));

    it('watches every failure signal once: function errors and throttles, API 5xx, DLQs, cleanup metrics', () => {
      const signals = alarms().map((alarm) => {
        const dimensions = alarm.Properties.Dimensions as { Name: string; Value: unknown }[];
        const targets = dimensions.map(({ Value }) =>
          typeof Value === 'string' ? Value : JSON.stringify(Value),
        );
        return `${alarm.Properties.Namespace} ${alarm.Properties.MetricName} ${targets.join(' ')}`;
      });
      const fn = (service: string): string =>
        JSON.stringify({ Ref: functionByService(template, service).id });
      const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
      const apiId = JSON.stringify({ Ref: idOfType(template, 'AWS::ApiGatewayV2::Api') });

      expect(signals.sort()).toEqual(
        [
          ...Object.values(SERVICES).flatMap((service) => [
            `AWS/Lambda Errors ${fn(service)}`,
            `AWS/Lambda Throttles ${fn(service)}`,
          ]),
          `AWS/ApiGateway 5xx ${apiId}`,
          ...queues.map(
            (queueId) =>
              `AWS/SQS ApproximateNumberOfMessagesVisible ${JSON.stringify({ 'Fn::GetAtt': [queueId, 'QueueName'] })}`,
          ),
          // The construct's own instance first (CDK sorts dimensions by name), then the function's service.
          'SignalWireCallControl CallsFailed call-control-test/call-control call-control-cleanup',
          'SignalWireCallControl CircuitBreakerTripped call-control-test/call-control call-control-cleanup',
          'SignalWireCallControl StatusCallbacksRejected call-control-test/call-control call-control-status-callback',
        ].sort(),
      );
    });

    it('fires on the first failure and notifies the topic on alarm and on recovery', () => {
      const topicId = idOfType(template, 'AWS::SNS::Topic');

      expect(alarms()).toHaveLength(16);
      for (const alarm of alarms()) {
        expect(alarm.Properties).toMatchObject({
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: topicId }],
          OKActions: [{ Ref: topicId }],
        });
      }
    });

    it('reads the cleanup metrics by the dimensions Powertools Metrics writes: service, and this instance', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'SignalWireCallControl',
        MetricName: 'CircuitBreakerTripped',
        Dimensions: [
          { Name: 'instance', Value: 'call-control-test/call-control' },
          { Name: 'service', Value: 'call-control-cleanup' },
        ],
        Statistic: 'Sum',
      });
    });

    it('pages on refused status callbacks (a missing or rotated signing key), by the metric the function emits', () => {
      const topicId = idOfType(template, 'AWS::SNS::Topic');

      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: DEFAULT_METRICS_NAMESPACE,
        MetricName: STATUS_CALLBACKS_REJECTED_METRIC,
        Dimensions: [
          { Name: 'instance', Value: 'call-control-test/call-control' },
          { Name: 'service', Value: STATUS_CALLBACK_SERVICE_NAME },
        ],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: topicId }],
        AlarmDescription: Match.stringLikeRegexp('signingKey'),
      });
    });

    it('includes a dashboard of the same signals', () => {
      expect(Object.keys(template.findResources('AWS::CloudWatch::Dashboard'))).toHaveLength(1);
    });
  });
});

describe('CallControl variants', () => {
  it('builds a JWT authorizer with the issuer and audience for every operator route in JWT mode', () => {
    const { template } = synthesise({
      secretName: 'signalwire/call-control',
      apiAuth: {
        type: 'jwt',
        issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example',
        audience: ['operator-console'],
        scopes: ['call-control/operate'],
      },
    });
    const authorizerId = idOfType(template, 'AWS::ApiGatewayV2::Authorizer');

    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example',
        Audience: ['operator-console'],
      },
    });
    for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route'))) {
      const expected = route.Properties.RouteKey.endsWith(' /webhooks/signalwire/status')
        ? { AuthorizationType: 'NONE' }
        : {
            AuthorizationType: 'JWT',
            AuthorizerId: { Ref: authorizerId },
            AuthorizationScopes: ['call-control/operate'],
          };
      expect(route.Properties, route.Properties.RouteKey).toMatchObject(expected);
    }
  });

  it('asks for the read scopes on GET routes and the write scopes on the routes that change a call', () => {
    const { template } = synthesise({
      secretName: 'signalwire/call-control',
      apiAuth: {
        type: 'jwt',
        issuer: 'https://issuer.example.com',
        audience: ['operator-console'],
        readScopes: ['call-control/read', 'call-control/write'],
        writeScopes: ['call-control/write'],
      },
    });

    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const scopesOf = Object.fromEntries(
      routes.map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationScopes]),
    );
    expect(scopesOf).toEqual({
      'GET /calls': ['call-control/read', 'call-control/write'],
      'GET /calls/{callSid}': ['call-control/read', 'call-control/write'],
      'GET /accounts/{accountSid}/calls': ['call-control/read', 'call-control/write'],
      'GET /accounts/{accountSid}/calls/{callSid}': ['call-control/read', 'call-control/write'],
      'POST /calls/{callSid}': ['call-control/write'],
      'POST /calls/{callSid}/terminate': ['call-control/write'],
      'POST /calls/{callSid}/transfer': ['call-control/write'],
      'POST /accounts/{accountSid}/calls/{callSid}': ['call-control/write'],
      'POST /accounts/{accountSid}/calls/{callSid}/terminate': ['call-control/write'],
      'POST /accounts/{accountSid}/calls/{callSid}/transfer': ['call-control/write'],
      'POST /webhooks/signalwire/status': undefined,
      'GET /webhooks/signalwire/status': undefined,
    });
  });

  it('asks for no scope in IAM mode, even when an app switched from JWT keeps its scopes beside type "iam"', () => {
    // A JavaScript app is not held to the union type: changing only `type` leaves the JWT fields behind.
    const apiAuth = {
      type: 'iam',
      scopes: ['call-control/operate'],
      readScopes: ['call-control/read'],
      writeScopes: ['call-control/write'],
    } as unknown as CallControlProps['apiAuth'];
    const { template } = synthesise({ secretName: 'signalwire/call-control', apiAuth });

    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const operatorRoutes = routes.filter((route) => !route.Properties.RouteKey.includes('/webhooks/'));
    expect(operatorRoutes).toHaveLength(10);
    for (const route of operatorRoutes) {
      expect(route.Properties.AuthorizationType, route.Properties.RouteKey).toBe('AWS_IAM');
      expect(route.Properties.AuthorizationScopes, route.Properties.RouteKey).toBeUndefined();
    }
  });

  it('refuses grantInvoke in JWT mode, where access comes from the token issuer', () => {
    const { callControl } = synthesise({
      secretName: 'signalwire/call-control',
      apiAuth: { type: 'jwt', issuer: 'https://issuer.example.com', audience: ['operators'] },
    });
    const role = new Role(Stack.of(callControl), 'operator', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
    });

    expect(() => callControl.grantInvoke(role)).toThrow(/IAM authorization/);
  });

  it('grants execute-api:Invoke on exactly the operator routes in IAM mode', () => {
    const stack = new Stack(testApp(), 'grant-test');
    const callControl = new CallControl(stack, 'call-control', {
      secretName: 'signalwire/call-control',
      schemasDirectory,
    });
    const role = new Role(stack, 'operator', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    callControl.grantInvoke(role);
    const template = Template.fromStack(stack);
    const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
      id.startsWith('operator'),
    );

    const statements = statementsOfRole(template, roleId ?? '');
    const resources = statements.flatMap((statement) =>
      (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(renderCfnString),
    );
    const apiId = idOfType(template, 'AWS::ApiGatewayV2::Api');
    const prefix = `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/$default`;

    expect(statements.flatMap(actionsOf).every((action) => action === 'execute-api:Invoke')).toBe(true);
    expect(resources.sort()).toEqual(
      [
        `${prefix}/POST/calls/*`,
        `${prefix}/POST/calls/*/terminate`,
        `${prefix}/POST/calls/*/transfer`,
        `${prefix}/GET/calls/*`,
        `${prefix}/GET/calls`,
        `${prefix}/POST/accounts/*/calls/*`,
        `${prefix}/POST/accounts/*/calls/*/terminate`,
        `${prefix}/POST/accounts/*/calls/*/transfer`,
        `${prefix}/GET/accounts/*/calls/*`,
        `${prefix}/GET/accounts/*/calls`,
      ].sort(),
    );
  });

  it('uses a secret given by complete ARN as the ID and as the only GetSecretValue resource', () => {
    const { template } = synthesise({ secretArn: SECRET_ARN });
    const getSecretValue = allStatements(template).filter((statement) =>
      actionsOf(statement).includes('secretsmanager:GetSecretValue'),
    );

    expect(getSecretValue).toHaveLength(3);
    for (const statement of getSecretValue) {
      expect(statement.Resource).toBe(SECRET_ARN);
    }
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SIGNALWIRE_SECRET_ID: SECRET_ARN }) },
    });
  });

  it('grants no KMS permission without a customer-managed key', () => {
    const { template } = synthesise({ secretName: 'signalwire/call-control' });

    expect(JSON.stringify(allStatements(template))).not.toContain('kms:');
  });

  it('grants kms:Decrypt on the customer-managed key it is given, only through Secrets Manager, for a stack of its own', () => {
    const { template } = synthesise({ secretName: 'signalwire/call-control' }, true);

    const kms = allStatements(template).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('kms:')),
    );
    expect(kms.length).toBeGreaterThan(0);
    for (const statement of kms) {
      expect(statement).toMatchObject({ Action: 'kms:Decrypt', Resource: KEY_ARN });
      expect(
        ((statement.Condition?.StringEquals?.['kms:ViaService'] ?? []) as unknown[]).map(renderCfnString),
      ).toEqual([
        'secretsmanager.<AWS::Region>.amazonaws.com',
        'secretsmanager.<AWS::Region>.<AWS::URLSuffix>',
      ]);
    }
  });

  it('leaves out the bus consumer and the schedules unless asked for, and alarms have no actions', () => {
    const { template } = synthesise({ secretName: 'signalwire/call-control' });

    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(3);
    for (const type of ['AWS::Events::Rule', 'AWS::Scheduler::Schedule', 'AWS::SQS::Queue']) {
      expect(template.findResources(type), type).toEqual({});
    }
    // The idempotency table stays: the status callbacks' replays are remembered in it.
    const tableId = idOfType(template, 'AWS::DynamoDB::Table');
    expect(
      functionByService(template, SERVICES.statusCallback).fn.Properties.Environment.Variables,
    ).toMatchObject({ IDEMPOTENCY_TABLE_NAME: { Ref: tableId } });
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
    // Errors and throttles of three functions, API 5xx, the two cleanup metrics, refused callbacks.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
  });

  it('accepts the shortest idempotency TTL under which no first delivery is refused as EVENT_TOO_OLD', () => {
    for (const [maxEventAge, idempotencyTtl] of [
      [Duration.hours(6), Duration.seconds(2 * 6 * 3600 + 600)],
      [Duration.minutes(1), Duration.seconds(148)],
    ] as const) {
      const { template } = synthesise({
        secretName: 'signalwire/call-control',
        callUpdateEvents: { allowedSources: ['com.example.dispatch'], maxEventAge, idempotencyTtl },
      });
      expect(
        functionByService(template, SERVICES.callUpdateEvents).fn.Properties.Environment.Variables,
      ).toMatchObject({ IDEMPOTENCY_TTL_SECONDS: String(idempotencyTtl.toSeconds()) });
    }
  });

  it('passes the public base URL to the status-callback function and the idempotency TTL to the consumer', () => {
    const { template } = synthesise({
      secretName: 'signalwire/call-control',
      webhookPublicBaseUrl: 'https://hooks.example.com/signalwire',
      callUpdateEvents: { allowedSources: ['com.example.dispatch'], idempotencyTtl: Duration.hours(6) },
    });

    expect(
      functionByService(template, SERVICES.statusCallback).fn.Properties.Environment.Variables,
    ).toMatchObject({
      PUBLIC_BASE_URL: 'https://hooks.example.com/signalwire',
    });
    expect(
      functionByService(template, SERVICES.callUpdateEvents).fn.Properties.Environment.Variables,
    ).toMatchObject({
      IDEMPOTENCY_TTL_SECONDS: '21600',
      ALLOWED_EVENT_SOURCES: 'com.example.dispatch',
    });
  });

  it('uses an existing bus by name instead of creating one', () => {
    const { template } = synthesise({
      secretName: 'signalwire/call-control',
      existingEventBusName: 'operations',
      callUpdateEvents: { allowedSources: ['com.example.dispatch'] },
    });
    const busArn = 'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/operations';
    const putEvents = allStatements(template).filter((statement) =>
      actionsOf(statement).includes('events:PutEvents'),
    );

    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.hasResourceProperties('AWS::Events::Rule', { EventBusName: 'operations' });
    expect(putEvents).toHaveLength(2);
    expect(putEvents.map((statement) => renderCfnString(statement.Resource))).toEqual([busArn, busArn]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: 'operations' }) },
    });
  });

  it('applies log retention, log level, tracing, namespace, timeouts and removal policy from props', () => {
    const { template } = synthesise({
      secretName: 'signalwire/call-control',
      logRetention: RetentionDays.ONE_WEEK,
      logLevel: 'DEBUG',
      tracing: false,
      metricsNamespace: 'Telephony',
      secretCacheTtl: Duration.minutes(1),
      signalWireTimeout: Duration.seconds(3),
      removalPolicy: RemovalPolicy.DESTROY,
    });

    template.allResourcesProperties('AWS::Lambda::Function', {
      TracingConfig: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
          POWERTOOLS_TRACE_DISABLED: 'true',
          POWERTOOLS_METRICS_NAMESPACE: 'Telephony',
          SECRET_CACHE_TTL_SECONDS: '60',
          SIGNALWIRE_TIMEOUT_MS: '3000',
        }),
      },
    });
    template.allResources('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Telephony',
      MetricName: 'CallsFailed',
    });
  });
});

describe('CallControl outputs for the call-control CLI', () => {
  it('declares ApiUrl and CleanupFunctionName outputs marked with the construct path, unless cliOutputs is false', () => {
    const { template, callControl } = synthesise({ secretName: 'signalwire/call-control' });
    const outputs = Object.values(template.toJSON().Outputs as Record<string, { Description: string }>);
    expect(outputs.map((output) => parseMarkedDescription(output.Description))).toEqual([
      { name: 'ApiUrl', constructPath: callControl.node.path },
      { name: 'CleanupFunctionName', constructPath: callControl.node.path },
    ]);
    template.hasOutput('*', {
      Description: Match.stringLikeRegexp(
        '^call-control:CleanupFunctionName \\[call-control-test/call-control\\]',
      ),
      Value: { Ref: Match.stringLikeRegexp('^callcontrolcleanupfunction') },
    });

    const without = synthesise({ secretName: 'signalwire/call-control', cliOutputs: false });
    expect(without.template.toJSON().Outputs).toBeUndefined();
  });
});

describe('CallControl props validation', () => {
  const secretName = 'signalwire/call-control';
  const validPolicy = { maxAgeSeconds: { inProgress: 3600 } };
  it.each<[string, Partial<CallControlProps>, RegExp]>([
    ['neither secret prop', {}, /exactly one of secretName and secretArn/],
    ['both secret props', { secretName, secretArn: SECRET_ARN }, /exactly one of secretName and secretArn/],
    [
      'both bus imports',
      {
        secretName,
        existingEventBusName: 'a',
        existingEventBusArn: 'arn:aws:events:eu-west-1:1:event-bus/a',
      },
      /takes one of existingEventBus, existingEventBusName and existingEventBusArn, got existingEventBusName and existingEventBusArn/,
    ],
    [
      'an empty source allow-list',
      { secretName, callUpdateEvents: { allowedSources: [] } },
      /allowedSources/,
    ],
    [
      'a JWT issuer that is not https',
      { secretName, apiAuth: { type: 'jwt', issuer: 'http://issuer', audience: ['a'] } },
      /https URL/,
    ],
    [
      'a JWT without audience',
      { secretName, apiAuth: { type: 'jwt', issuer: 'https://issuer', audience: [] } },
      /audience/,
    ],
    [
      'an invalid schedule name',
      { secretName, cleanupSchedules: [{ name: 'Stale Calls', policy: validPolicy }] },
      /lowercase/,
    ],
    [
      'a duplicate schedule name',
      {
        secretName,
        cleanupSchedules: [
          { name: 'a', policy: validPolicy },
          { name: 'a', policy: validPolicy },
        ],
      },
      /used twice/,
    ],
    [
      'an invalid schedule expression',
      { secretName, cleanupSchedules: [{ name: 'a', schedule: 'every 5 minutes', policy: validPolicy }] },
      /rate\(\.\.\.\)/,
    ],
    ...(
      [
        ['rate(0 minutes)', /a rate is rate\(<whole number ≥ 1> minutes\|hours\|days\)/],
        ['rate(30 seconds)', /a rate is rate/],
        ['cron(0 2 * * *)', /a cron has six fields/],
        ['cron(0 2 * * MON *)', /a cron needs "\?" in exactly one of day-of-month and day-of-week/],
        ['at(2027-02-30T00:00:00)', /at\(…\) names no real date and time/],
        ['at(2027-01-01 00:00)', /expected rate\(\.\.\.\), cron\(\.\.\.\) or at\(yyyy-mm-ddThh:mm:ss\)/],
      ] as const
    ).map(([expression, message]): [string, Partial<CallControlProps>, RegExp] => [
      `defect: a schedule expression EventBridge Scheduler refuses at deploy: ${expression}`,
      { secretName, cleanupSchedules: [{ name: 'a', schedule: expression, policy: validPolicy }] },
      new RegExp(
        `cleanup schedule "a" has expression "${expression.replace(/[()*?]/g, '\\$&')}": ${message.source}`,
      ),
    ]),
    [
      'defect: a schedule’s enabled that is not a boolean (a JavaScript app’s "false" deployed it enabled)',
      {
        secretName,
        cleanupSchedules: [{ name: 'a', policy: validPolicy, enabled: 'false' as unknown as boolean }],
      },
      /cleanup schedule "a": enabled must be true or false, got "false"/,
    ],
    [
      'defect: an apiAuth type that is neither iam nor jwt (from a JavaScript app), naming it',
      { secretName, apiAuth: { type: 'cognito' } as unknown as CallControlProps['apiAuth'] },
      /apiAuth\.type must be "iam" or "jwt", got "cognito"/,
    ],
    [
      'defect: an empty readScopes, which would switch the scope check off on the read routes',
      {
        secretName,
        apiAuth: {
          type: 'jwt',
          issuer: 'https://issuer.example',
          audience: ['a'],
          scopes: ['s'],
          readScopes: [],
        },
      },
      /apiAuth\.readScopes must list at least one scope/,
    ],
    [
      'defect: a scope with a space, which no token can carry',
      {
        secretName,
        apiAuth: { type: 'jwt', issuer: 'https://issuer.example', audience: ['a'], scopes: ['call control'] },
      },
      /apiAuth\.scopes must list at least one scope, each without spaces/,
    ],
    [
      'a schedule policy the cleanup function would refuse at every run',
      { secretName, cleanupSchedules: [{ name: 'typo', policy: { maxAgeSecond: { inProgress: 3600 } } }] },
      /cleanup schedule "typo": policy\.maxAgeSecond is not a known field/,
    ],
    [
      'a schedule policy naming an API that is not one of the two kinds of call',
      {
        secretName,
        cleanupSchedules: [{ name: 'kinds', policy: { maxAgeSeconds: { queued: 600 }, apis: ['laml'] } }],
      },
      /cleanup schedule "kinds": policy\.apis\[0\] must be one of: compatibility, calling/,
    ],
    [
      'a default cleanup policy covering no kind of call',
      { secretName, cleanupDefaultPolicy: { apis: [] } },
      /cleanupDefaultPolicy\.apis must NOT have fewer than 1 items/,
    ],
    [
      'a schedule without a maximum age when there is no default policy',
      { secretName, cleanupSchedules: [{ name: 'ageless', policy: { dryRun: true } }] },
      /cleanup schedule "ageless": .*maxAgeSeconds/,
    ],
    [
      'a cleanup end rate above the account-wide POST budget',
      { secretName, cleanupMaxEndsPerSecond: 5000 },
      /cleanupMaxEndsPerSecond must be an integer from 1 to 1380/,
    ],
    [
      'a cleanup concurrency the function would refuse at cold start',
      { secretName, cleanupConcurrency: 80 },
      /cleanupConcurrency must be an integer from 1 to 50/,
    ],
    [
      'an invalid default cleanup policy',
      { secretName, cleanupDefaultPolicy: { maxCallsToEnd: '10' } },
      /cleanupDefaultPolicy\.maxCallsToEnd/,
    ],
    [
      'a SignalWire timeout the API cannot wait for',
      { secretName, signalWireTimeout: Duration.seconds(25) },
      /signalWireTimeout/,
    ],
    [
      'defect: a SignalWire timeout whose worst-case redirect (3 requests) does not fit the event function',
      { secretName, signalWireTimeout: Duration.seconds(19), callUpdateEvents: { allowedSources: ['a'] } },
      /signalWireTimeout 19000 ms is too long for callUpdateEvents.*at most 18333 ms/,
    ],
    [
      'an idempotency TTL shorter than the event age',
      { secretName, callUpdateEvents: { allowedSources: ['a'], idempotencyTtl: Duration.minutes(30) } },
      /idempotencyTtl/,
    ],
    [
      'a webhook base URL with a query string',
      { secretName, webhookPublicBaseUrl: 'https://hooks.example.com/?a=1' },
      /webhookPublicBaseUrl/,
    ],
    [
      'an event source AWS reserves',
      { secretName, eventSource: 'aws.call-control' },
      /eventSource must be 1 to 256 characters without spaces and must not start with "aws\."/,
    ],
    [
      'its own event source among the producers',
      {
        secretName,
        eventSource: 'com.example.calls',
        callUpdateEvents: { allowedSources: ['com.example.calls'] },
      },
      /allowedSources must not include eventSource "com\.example\.calls"/,
    ],
    [
      'defect: a log retention CloudWatch Logs does not offer (45 days from a JavaScript app)',
      { secretName, logRetention: 45 as RetentionDays },
      /logRetention must be a RetentionDays value .*got 45/,
    ],
    [
      'defect: a log retention given as the enum member’s name ("ONE_WEEK" from a JavaScript app)',
      { secretName, logRetention: 'ONE_WEEK' as unknown as RetentionDays },
      /logRetention must be a RetentionDays value .*got "ONE_WEEK"/,
    ],
    [
      'defect: an allowed source no producer can publish under (AWS reserves "aws.")',
      { secretName, callUpdateEvents: { allowedSources: ['com.example.crm', 'aws.events'] } },
      /callUpdateEvents\.allowedSources: each must be 1 to 256 characters without spaces .*got "aws\.events"/,
    ],
    [
      'defect: an allowed source with a space',
      { secretName, callUpdateEvents: { allowedSources: ['com example'] } },
      /callUpdateEvents\.allowedSources: each must be .*got "com example"/,
    ],
    [
      'defect: a secret ARN without its six-character suffix, naming secretArn (not CDK’s secretCompleteArn)',
      { secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:signalwire/call-control' },
      /secretArn must be the complete ARN of a secret, with the six-character suffix/,
    ],
    [
      'defect: a secret name Secrets Manager would refuse',
      { secretName: 'signalwire call control' },
      /secretName must be 1 to 512 letters, digits or "\/_\+=\.@-".*"signalwire call control"/,
    ],
    [
      'defect: an infinite API rate limit (CloudFormation would get null)',
      { secretName, apiThrottle: { rateLimit: Number.POSITIVE_INFINITY, burstLimit: 10 } },
      /apiThrottle needs a finite positive rateLimit/,
    ],
    [
      'defect: a replay window in fractions of a second, naming callbackReplayWindow',
      { secretName, callbackReplayWindow: Duration.millis(90_500) },
      /callbackReplayWindow must be a whole number of seconds, got 90500 ms/,
    ],
    [
      'defect: a secret cache TTL in fractions of a second, naming secretCacheTtl',
      { secretName, secretCacheTtl: Duration.millis(1_500) },
      /secretCacheTtl must be a whole number of seconds, got 1500 ms/,
    ],
    [
      'defect: an event age in fractions of a second, naming callUpdateEvents.maxEventAge',
      { secretName, callUpdateEvents: { allowedSources: ['a'], maxEventAge: Duration.millis(90_500) } },
      /callUpdateEvents\.maxEventAge must be a whole number of seconds/,
    ],
    [
      'defect: an idempotency TTL in fractions of a second, naming callUpdateEvents.idempotencyTtl',
      {
        secretName,
        callUpdateEvents: { allowedSources: ['a'], idempotencyTtl: Duration.millis(86_400_500) },
      },
      /callUpdateEvents\.idempotencyTtl must be a whole number of seconds/,
    ],
    [
      'defect: an idempotency TTL under which a late first delivery (EventBridge, then Lambda, each up to maxEventAge) is refused as EVENT_TOO_OLD',
      { secretName, callUpdateEvents: { allowedSources: ['a'], idempotencyTtl: Duration.hours(1) } },
      /callUpdateEvents\.idempotencyTtl 3600 s is too short: .*at least 7800 s with maxEventAge 3600 s/,
    ],
    [
      'defect: an idempotency TTL one second short of twice maxEventAge plus twice the clock tolerance',
      {
        secretName,
        callUpdateEvents: {
          allowedSources: ['a'],
          maxEventAge: Duration.hours(6),
          idempotencyTtl: Duration.seconds(2 * 6 * 3600 + 600 - 1),
        },
      },
      /callUpdateEvents\.idempotencyTtl 43799 s is too short: .*at least 43800 s with maxEventAge 21600 s/,
    ],
    [
      'defect: a log level quieter than INFO from a JavaScript app (it would silence the audit records)',
      { secretName, logLevel: 'WARN' as 'INFO' },
      /logLevel must be one of DEBUG, INFO .*got "WARN"/,
    ],
    [
      'defect: a metrics namespace CloudWatch reserves for AWS',
      { secretName, metricsNamespace: 'AWS/Lambda' },
      /metricsNamespace must be 1 to 255 .*not starting with ":" or "AWS\/", got "AWS\/Lambda"/,
    ],
    [
      'defect: an empty metrics namespace',
      { secretName, metricsNamespace: ' ' },
      /metricsNamespace must be 1 to 255/,
    ],
    [
      'defect: a metrics namespace longer than CloudWatch takes',
      { secretName, metricsNamespace: 'a'.repeat(256) },
      /metricsNamespace must be 1 to 255/,
    ],
    [
      'defect: a metrics namespace with characters CloudWatch refuses',
      { secretName, metricsNamespace: 'Telephony{prod}' },
      /metricsNamespace must be 1 to 255/,
    ],
    [
      'a missing schema directory',
      { secretName, schemasDirectory: '/nonexistent/schemas' },
      /event schema \/nonexistent\/schemas\/call-update-requested\.schema\.json cannot be read/,
    ],
  ])('rejects %s', (_case, props, message) => {
    expect(() => synthesise(props)).toThrow(message);
  });

  it('accepts every form of schedule expression EventBridge Scheduler takes', () => {
    const expressions = [
      'rate(1 minute)',
      'rate(5 minutes)',
      'rate(1 hour)',
      'rate(2 days)',
      'cron(0 9 ? * MON-FRI *)',
      'cron(0/15 * * * ? *)',
      'cron(0 3 L * ? *)',
      'cron(0 12 ? * 6#3 2027)',
      'at(2028-02-29T23:59:59)',
    ];
    const { template } = synthesise({
      secretName,
      cleanupSchedules: expressions.map((schedule, index) => ({
        name: `s${index}`,
        schedule,
        policy: validPolicy,
      })),
    });

    const deployed = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (schedule) => schedule.Properties.ScheduleExpression,
    );
    expect(deployed.sort()).toEqual([...expressions].sort());
  });

  it('takes a schedule expression that is a token (a parameter, another construct’s value) as it is', () => {
    // Only CloudFormation knows the value: refusing it at synth would refuse every such app.
    const fromElsewhere = Lazy.string({ produce: () => 'rate(10 minutes)' });
    const { template } = synthesise({
      secretName,
      cleanupSchedules: [{ name: 'from-a-parameter', schedule: fromElsewhere, policy: validPolicy }],
    });

    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(10 minutes)' });
  });
});

describe('CallControl handles for producers and auditors', () => {
  it('lets a producer put only Call Update Requested events, only under its own source, only on the bus', () => {
    // Prepare
    const stack = new Stack(testApp(), 'producer-test');
    const callControl = new CallControl(stack, 'call-control', {
      secretName: 'signalwire/call-control',
      schemasDirectory,
      callUpdateEvents: { allowedSources: ['com.example.dispatch', 'com.example.crm'] },
    });
    const crm = new Role(stack, 'crm', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });

    // Act
    callControl.grantPublishCallUpdateRequests(crm, { source: 'com.example.crm' });

    // Assess
    const template = Template.fromStack(stack);
    const busId = idOfType(template, 'AWS::Events::EventBus');
    const crmRoleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
      id.startsWith('crm'),
    );
    expect(statementsOfRole(template, crmRoleId ?? '')).toEqual([
      {
        Action: 'events:PutEvents',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [busId, 'Arn'] },
        Condition: {
          StringEquals: { 'events:source': 'com.example.crm', 'events:detail-type': 'Call Update Requested' },
        },
      },
    ]);
  });

  it("lets an operator run a one-off cleanup through the unqualified function only, never the schedules' alias", () => {
    // Prepare
    const stack = new Stack(testApp(), 'cleanup-operator-test');
    const callControl = new CallControl(stack, 'call-control', {
      secretName: 'signalwire/call-control',
      schemasDirectory,
      cleanupSchedules: [{ name: 'nightly', policy: { maxAgeSeconds: { inProgress: 3600 } } }],
    });
    const operator = new Role(stack, 'operator', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });

    // Act
    callControl.grantCleanupInvoke(operator);

    // Assess
    const template = Template.fromStack(stack);
    const cleanup = functionByService(template, SERVICES.cleanup);
    const operatorRoleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
      id.startsWith('operator'),
    );
    // Exactly the unqualified ARN: no `:*`, so the scheduler alias (and its attestation) stays out of reach.
    expect(statementsOfRole(template, operatorRoleId ?? '')).toEqual([
      {
        Action: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [cleanup.id, 'Arn'] },
      },
    ]);
  });

  it('names every allowed source when it refuses to onboard a producer not among them', () => {
    const { callControl } = synthesise({
      secretName: 'signalwire/call-control',
      callUpdateEvents: { allowedSources: ['com.example.crm', 'com.example.billing'] },
    });
    const principal = new Role(Stack.of(callControl), 'other', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });

    expect(() =>
      callControl.grantPublishCallUpdateRequests(principal, { source: 'com.example.erp' }),
    ).toThrow(
      'grantPublishCallUpdateRequests: source "com.example.erp" is not one of callUpdateEvents.allowedSources ' +
        '(com.example.crm, com.example.billing), so its requests would be ignored',
    );
  });

  it('refuses to onboard a producer whose requests nothing would act on', () => {
    const { callControl: withConsumer } = synthesise({
      secretName: 'signalwire/call-control',
      callUpdateEvents: { allowedSources: ['com.example.crm'] },
    });
    const { callControl: withoutConsumer } = synthesise({ secretName: 'signalwire/call-control' });
    const principal = new Role(Stack.of(withConsumer), 'other', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });

    expect(() =>
      withConsumer.grantPublishCallUpdateRequests(principal, { source: 'com.example.erp' }),
    ).toThrow(
      /source "com\.example\.erp" is not one of callUpdateEvents\.allowedSources \(com\.example\.crm\)/,
    );
    expect(() =>
      withoutConsumer.grantPublishCallUpdateRequests(principal, { source: 'com.example.crm' }),
    ).toThrow(/needs callUpdateEvents/);
  });

  it('publishes, names the schemas and lets the functions publish under the eventSource prop', () => {
    const { template, callControl } = synthesise({
      secretName: 'signalwire/call-control',
      eventSource: 'com.example.calls',
      callUpdateEvents: { allowedSources: ['com.example.crm'] },
    });

    expect(callControl.eventSource).toBe('com.example.calls');
    for (const service of [SERVICES.statusCallback, SERVICES.callUpdateEvents]) {
      const { fn, roleId } = functionByService(template, service);
      expect(fn.Properties.Environment.Variables.EVENT_SOURCE).toBe('com.example.calls');
      expect(
        statementsOfRole(template, roleId).filter((statement) =>
          actionsOf(statement).includes('events:PutEvents'),
        ),
      ).toEqual([
        expect.objectContaining({ Condition: { StringEquals: { 'events:source': 'com.example.calls' } } }),
      ]);
    }
    const schemaNames = Object.values(template.findResources('AWS::EventSchemas::Schema'))
      .map((schema) => schema.Properties.SchemaName)
      .sort();
    expect(schemaNames).toEqual([
      'com.example.calls@CallStatusChanged',
      'com.example.calls@CallUpdateFailed',
      'com.example.calls@CallUpdateRequested',
      'com.example.calls@CallUpdated',
    ]);
  });

  it('saves Logs Insights queries over every function log group for audit records and cleanup reports', () => {
    const { template } = synthesise(FULL_PROPS);
    const logGroupIds = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) => fn.Properties.LoggingConfig.LogGroup.Ref,
    );
    const queries: Record<string, { QueryString: string; LogGroupNames: Array<{ Ref: string }> }> =
      Object.fromEntries(
        Object.values(template.findResources('AWS::Logs::QueryDefinition')).map((query) => [
          query.Properties.Name,
          query.Properties,
        ]),
      );

    expect(Object.keys(queries).sort()).toEqual([
      'call-control-test/call-control/audit records by actor',
      'call-control-test/call-control/audit records of one call (replace the SID)',
      'call-control-test/call-control/cleanup runs and their reports',
      'call-control-test/call-control/refused actions',
    ]);
    for (const query of Object.values(queries)) {
      expect(query.LogGroupNames.map((name) => name.Ref).sort()).toEqual(logGroupIds.sort());
    }
    const text = (name: string): string =>
      queries[`call-control-test/call-control/${name}`]?.QueryString ?? '';
    const isAudit = 'filter message = "call-control audit"';
    expect(text('audit records of one call (replace the SID)')).toContain(isAudit);
    expect(text('audit records of one call (replace the SID)')).toContain(
      'filter audit.callSid = "00000000-0000-0000-0000-000000000000"',
    );
    expect(text('audit records by actor')).toContain(isAudit);
    expect(text('audit records by actor')).toMatch(/stats count\(\*\) as actions.* by audit\.actor/);
    expect(text('refused actions')).toContain(isAudit);
    expect(text('refused actions')).toContain('filter audit.outcome = "rejected"');
    expect(text('cleanup runs and their reports')).toContain('filter message = "cleanup report"');
    expect(text('cleanup runs and their reports')).toContain('report.ended');
  });

  it('saved queries name only fields that audit records really carry', () => {
    const { template } = synthesise(FULL_PROPS);
    // Every field of an audit record, as the functions log it (the type makes this sample complete).
    const sample: Required<AuditRecord> = {
      trigger: 'http',
      actor: { name: 'arn:aws:iam::123456789012:user/oncall', attested: {}, claimed: {} },
      accountSid: '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d',
      callSid: '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5e',
      change: { Status: 'completed' },
      outcome: 'updated',
      reason: 'r',
      priorStatus: 'in-progress',
      resultingStatus: 'completed',
      errorCode: 'E',
      signalwireCode: 1,
      api: 'calling',
      correlationId: 'c',
    };
    // Logs Insights flattens JSON with dots; field names are case-sensitive.
    const paths = new Set<string>();
    // Only leaves: grouping or filtering by an object (say `audit.actor`) finds nothing useful.
    const walk = (value: unknown, path: string): void => {
      if (typeof value !== 'object' || value === null) paths.add(path);
      else for (const [key, inner] of Object.entries(value)) walk(inner, `${path}.${key}`);
    };
    walk(sample, 'audit');
    const named = Object.values(template.findResources('AWS::Logs::QueryDefinition')).flatMap(
      (query) => (query.Properties.QueryString as string).match(/\baudit(?:\.[A-Za-z]+)+/g) ?? [],
    );
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((path) => !paths.has(path))).toEqual([]);
  });
});
