import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallControl, type CallControlProps } from '../../infra/call-control.ts';
import { prebuiltBundleDirectory } from '../../infra/function-bundles.ts';
import { schemaFixtureDirectory, statementsOfRole, testApp } from './support.ts';

const schemasDirectory = schemaFixtureDirectory();
afterAll(() => rmSync(schemasDirectory, { recursive: true, force: true }));

const build = (props: Partial<CallControlProps>) => {
  const app = testApp();
  const stack = new Stack(app, 'console-test', { env: { account: '111122223333', region: 'eu-west-1' } });
  const callControl = new CallControl(stack, 'call-control', {
    schemasDirectory,
    secretName: 'signalwire/call-control',
    ...props,
  } as CallControlProps);
  return { app, stack, callControl, template: Template.fromStack(stack) };
};

describe('the operator console (opt-in)', () => {
  let built: ReturnType<typeof build>;
  beforeAll(() => {
    built = build({ console: {} });
  });

  it('is off by default: no user pool, no console route, no console function', () => {
    const { template } = build({});
    expect(template.findResources('AWS::Cognito::UserPool')).toEqual({});
    expect(template.findResources('AWS::ApiGatewayV2::Authorizer')).toEqual({});
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r.Properties as { RouteKey: string }).RouteKey,
    );
    expect(routes.filter((key) => key.includes('console'))).toEqual([]);
    expect(
      Object.values(template.findResources('AWS::Lambda::Function')).map(
        (fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
      ),
    ).not.toContain('call-control-cleanup-dry-run');
  });

  it('creates a user pool people cannot sign themselves up to, with TOTP MFA and the scope trigger', () => {
    built.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'ESSENTIALS',
      LambdaConfig: { PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: Match.anyValue() } },
    });
    for (const group of ['viewer', 'operator', 'admin']) {
      built.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: group });
    }
    built.template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'call-control',
      Scopes: [
        Match.objectLike({ ScopeName: 'read' }),
        Match.objectLike({ ScopeName: 'write' }),
        Match.objectLike({ ScopeName: 'admin' }),
      ],
    });
  });

  it('gives the console a public client: authorization code only, no secret, back to the console URL', () => {
    built.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'call-control/read', 'call-control/write', 'call-control/admin'],
      SupportedIdentityProviders: ['COGNITO'],
    });
    const client = Object.values(built.template.findResources('AWS::Cognito::UserPoolClient'))[0];
    expect(JSON.stringify(client?.Properties.CallbackURLs)).toMatch(/execute-api.*console\/"/);
    built.template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { ManagedLoginVersion: 2 });
    built.template.resourceCountIs('AWS::Cognito::ManagedLoginBranding', 1);
  });

  it('puts every console API route behind the JWT authorizer with its one scope', () => {
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: [Match.objectLike({ Ref: Match.anyValue() })] },
    });
    const routes = Object.values(built.template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties as { RouteKey: string; AuthorizationType: string; AuthorizationScopes?: string[] },
    );
    const scopeOf = (key: string) => routes.find((r) => r.RouteKey === key);
    expect(scopeOf('POST /console-api/calls/{callSid}/terminate')).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizationScopes: ['call-control/write'],
    });
    expect(scopeOf('GET /console-api/calls')).toMatchObject({ AuthorizationScopes: ['call-control/read'] });
    expect(scopeOf('GET /console-api/audit')).toMatchObject({ AuthorizationScopes: ['call-control/read'] });
    expect(scopeOf('POST /console-api/end-all/{callSid}')).toMatchObject({
      AuthorizationScopes: ['call-control/admin'],
    });
    expect(scopeOf('POST /console-api/cleanup/dry-run')).toMatchObject({
      AuthorizationScopes: ['call-control/admin'],
    });
    expect(scopeOf('GET /console-api/cleanup/runs')).toMatchObject({
      AuthorizationScopes: ['call-control/read'],
    });
    for (const route of routes.filter((r) => r.RouteKey.includes('/console-api/'))) {
      expect(route.AuthorizationType, route.RouteKey).toBe('JWT');
      expect(route.AuthorizationScopes, route.RouteKey).toHaveLength(1);
    }
    // Machines keep IAM on the plain routes.
    expect(scopeOf('POST /calls/{callSid}/terminate')).toMatchObject({ AuthorizationType: 'AWS_IAM' });
    // Only the static files are public.
    expect(
      routes
        .filter((r) => r.AuthorizationType === 'NONE')
        .map((r) => r.RouteKey)
        .sort(),
    ).toEqual([
      'GET /console',
      'GET /console/{proxy+}',
      'GET /webhooks/signalwire/status',
      'POST /webhooks/signalwire/status',
    ]);
  });

  it('lets the audit search start queries on the function log groups only', () => {
    const role = built.callControl.console?.auditSearchFunction.role?.node.defaultChild as CfnRole;
    expect(role).toBeDefined();
    const statements = statementsOfRole(built.template, built.stack.getLogicalId(role));
    const start = statements.find((s) => s.Action === 'logs:StartQuery');
    // http-api, status-callback, cleanup and the cleanup dry run (its `would-end` records).
    expect(start?.Resource).toHaveLength(4);
    const dryRunLogGroup = built.callControl.cleanupDryRunFunction?.logGroup.node.defaultChild;
    expect(dryRunLogGroup).toBeDefined();
    expect(start?.Resource).toContainEqual({
      'Fn::GetAtt': [built.stack.getLogicalId(dryRunLogGroup as never), 'Arn'],
    });
    expect(statements.flatMap((s) => s.Action)).not.toContain('secretsmanager:GetSecretValue');
  });

  it('serves the cleanup dry run from its own function’s api-gateway alias, which may read the secret only', () => {
    const { template, stack, callControl } = built;
    const fn = callControl.cleanupDryRunFunction;
    expect(fn).toBeDefined();
    const routes = template.findResources('AWS::ApiGatewayV2::Route');
    const targetOf = (key: string) =>
      Object.values(routes).find((r) => r.Properties.RouteKey === key)?.Properties.Target as {
        'Fn::Join': [string, [string, { Ref: string }]];
      };
    const integrationOf = (key: string) =>
      template.findResources('AWS::ApiGatewayV2::Integration')[targetOf(key)['Fn::Join'][1][1].Ref]
        ?.Properties.IntegrationUri as { Ref: string };
    const aliases = template.findResources('AWS::Lambda::Alias');
    const dryRunAlias = aliases[integrationOf('POST /console-api/cleanup/dry-run').Ref]?.Properties;
    expect(dryRunAlias).toMatchObject({
      Name: 'api-gateway',
      FunctionName: { Ref: stack.getLogicalId(fn?.node.defaultChild as never) },
    });
    // The operator function keeps its calls and end-all, and no longer the dry run.
    const operatorAlias = aliases[integrationOf('POST /console-api/end-all/{callSid}').Ref]?.Properties;
    expect(operatorAlias).toMatchObject({
      Name: 'api-gateway',
      FunctionName: { Ref: stack.getLogicalId(callControl.httpApiFunction.node.defaultChild as never) },
    });
    const role = fn?.role?.node.defaultChild as CfnRole;
    const actions = statementsOfRole(template, stack.getLogicalId(role)).flatMap((s) => s.Action);
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^The cleanup-dry-run function failed at least once'),
    });
    // Its own log group, the SignalWire secret, X-Ray: nothing of the schedules, the bus or the other functions.
    expect(actions.flat().filter((action) => !String(action).startsWith('xray:'))).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
    ]);
  });

  it('deploys the console’s files with the assets function and tells it the client and the sign-in domain', () => {
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CONSOLE_CLIENT_ID: Match.objectLike({ Ref: Match.anyValue() }),
          CONSOLE_AUTH_BASE: Match.anyValue(),
        }),
      },
    });
    expect(Object.keys(built.template.findOutputs('*'))).toContain(
      Object.keys(built.template.findOutputs('*')).find((k) => k.startsWith('callcontrolconsoleurl')),
    );
  });

  it('gives its new Cognito domain a prefix of this account: the docs’ app in two accounts does not collide', () => {
    // Cognito domain prefixes are unique per region across all accounts; every app built from the docs has
    // the same construct path, so a prefix from the path alone is taken by whoever deploys it first.
    const domainIn = (env?: { account: string; region: string }): unknown => {
      const stack = new Stack(testApp(), 'TelephonyStack', { env });
      new CallControl(stack, 'CallControl', { schemasDirectory, secretName: 'x', console: {} });
      const [domain] = Object.values(Template.fromStack(stack).findResources('AWS::Cognito::UserPoolDomain'));
      return domain?.Properties.Domain;
    };
    const staging = domainIn({ account: '111122223333', region: 'eu-west-1' });
    const production = domainIn({ account: '444455556666', region: 'eu-west-1' });

    expect(staging).toMatch(/^cc-[a-z0-9-]+-111122223333$/);
    expect(production).toMatch(/^cc-[a-z0-9-]+-444455556666$/);
    expect(String(staging).length).toBeLessThanOrEqual(63);
    // An environment-agnostic stack: the account CloudFormation deploys to.
    expect(JSON.stringify(domainIn())).toContain('{"Ref":"AWS::AccountId"}');
    expect(staging).not.toMatch(/aws|amazon|cognito/);
  });

  it('gives two consoles whose long construct paths differ only near their end two different domains', () => {
    // The prefix has room for 47 characters of the path: cut at its end, these two paths would both ask for
    // the same Cognito domain and the second deploy would fail.
    const stack = new Stack(testApp(), 'TelephonyPlatformStack', {
      env: { account: '111122223333', region: 'eu-west-1' },
    });
    for (const id of [
      'SignalWireCallControlForTheEmeaRegionPrimary',
      'SignalWireCallControlForTheEmeaRegionStandby',
    ]) {
      new CallControl(stack, id, { schemasDirectory, secretName: 'x', console: {} });
    }
    const domains = Object.values(
      Template.fromStack(stack).findResources('AWS::Cognito::UserPoolDomain'),
    ).map((domain) => String(domain.Properties.Domain));

    expect(domains).toHaveLength(2);
    expect(new Set(domains).size).toBe(2);
    for (const domain of domains) {
      expect(domain).toMatch(/^cc-[a-z0-9]+-111122223333$/);
      expect(domain.length).toBeLessThanOrEqual(63);
    }
  });

  it('refuses a domainPrefix with a word Cognito reserves, naming the prop', () => {
    expect(() => build({ console: { domainPrefix: 'aws-ops-calls' } })).toThrow(
      /console\.domainPrefix must not contain "aws", "amazon" or "cognito".*"aws-ops-calls"/,
    );
  });

  it('takes an existing user pool as it is, adding only the console client, scopes and groups', () => {
    const app = testApp();
    const stack = new Stack(app, 'existing-pool', { env: { account: '111122223333', region: 'eu-west-1' } });
    const userPool = UserPool.fromUserPoolId(stack, 'pool', 'eu-west-1_AbCdEf123');
    new CallControl(stack, 'call-control', {
      schemasDirectory,
      secretName: 'signalwire/call-control',
      console: { userPool, domainPrefix: 'ops-calls' },
    });
    const template = Template.fromStack(stack);
    expect(template.findResources('AWS::Cognito::UserPool')).toEqual({});
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { UserPoolId: 'eu-west-1_AbCdEf123' });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'ops-calls' });
    const authorizer = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    expect(JSON.stringify(authorizer?.Properties.JwtConfiguration.Issuer)).toMatch(
      /https:\/\/cognito-idp\.eu-west-1\..*\/eu-west-1_AbCdEf123/,
    );
  });

  it('ships the console’s files inside the prebuilt assets bundle, served with the strict CSP', async () => {
    process.env.CONSOLE_CLIENT_ID = 'client-1';
    process.env.CONSOLE_AUTH_BASE = 'https://ops.auth.eu-west-1.amazoncognito.com';
    const bundle = join(prebuiltBundleDirectory('console-assets', false), 'index.mjs');
    const { handler } = (await import(pathToFileURL(bundle).href)) as {
      handler: (
        event: unknown,
      ) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
    };
    const get = (rawPath: string) => handler({ rawPath });
    const page = await get('/console/');
    expect(page.statusCode).toBe(200);
    expect(Buffer.from(page.body, 'base64').toString()).toContain('src="console.js"');
    expect(page.headers['content-security-policy']).toContain(
      "connect-src 'self' https://ops.auth.eu-west-1.amazoncognito.com",
    );
    const script = await get('/console/console.js');
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(Buffer.from(script.body, 'base64').length).toBeGreaterThan(1_000);
    const config = JSON.parse(Buffer.from((await get('/console/config.json')).body, 'base64').toString());
    expect(config).toMatchObject({ clientId: 'client-1', apiBase: '/console-api' });
    expect((await get('/console/../../etc/passwd')).statusCode).toBe(404);
  });

  it('has no unacknowledged AwsSolutions (cdk-nag) finding with the console on', () => {
    const report = new AwsSolutionsChecks(built.app).validateScope(built.app);
    expect(report.violations).toEqual([]);
  });
});
