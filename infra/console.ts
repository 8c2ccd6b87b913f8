import { CfnOutput, Duration, Names, type RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  type HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  CfnUserPoolGroup,
  FeaturePlan,
  type IUserPool,
  LambdaVersion,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  CONSOLE_GROUPS,
  CONSOLE_SCOPES,
  consoleRoutes,
  consoleRouteTarget,
} from '../functions/commons/http/routes.ts';
import { CallControlFunction, type CallControlLogLevel } from './call-control-function.ts';
import type { CallControlBundling } from './function-bundles.ts';
import {
  AUDIT_SEARCH_SERVICE_NAME,
  CONSOLE_ASSETS_SERVICE_NAME,
  CONSOLE_PRE_TOKEN_SERVICE_NAME,
} from './metric-names.ts';

/** Length of an AWS account ID, part of the default Cognito domain prefix. */
const ACCOUNT_ID_LENGTH = 12;
/** Length of the hash of the construct path that `Names.uniqueId` ends with. */
const PATH_HASH_LENGTH = 8;

const SERVICE_NAMES = {
  'audit-search': AUDIT_SEARCH_SERVICE_NAME,
  'console-assets': CONSOLE_ASSETS_SERVICE_NAME,
  'console-pre-token': CONSOLE_PRE_TOKEN_SERVICE_NAME,
} as const;

/** The operator console (`CallControlProps.console`): a browser console behind the stack's own sign-in. */
export interface CallControlConsoleProps {
  /**
   * An existing user pool to sign in with. The construct adds the console's resource server (scopes), app
   * client, groups and, unless `domain` is given, a Cognito domain to it; attach `preTokenFunction` as the
   * pool's pre-token-generation trigger (event version 2) yourself, or every token keeps all the scopes the
   * client asks for.
   * @default - a new user pool (no self sign-up, TOTP MFA required, the trigger attached)
   */
  readonly userPool?: IUserPool;
  /**
   * The pool's existing domain (managed login), when `userPool` already has one.
   * @default - a new Cognito domain with the managed login
   */
  readonly domain?: UserPoolDomain;
  /**
   * Prefix of the new Cognito domain (`https://<prefix>.auth.<region>.amazoncognito.com`): lower-case letters,
   * digits and hyphens, without `aws`, `amazon` or `cognito`, unique in the region across all accounts.
   * @default - `cc-<construct path>-<account ID>`
   */
  readonly domainPrefix?: string;
}

/** Settings the console's functions share with the rest of the construct. */
export interface ConsoleFunctionSettings {
  readonly bundling?: CallControlBundling;
  readonly logLevel?: CallControlLogLevel;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly tracing?: boolean;
  readonly powertoolsTracer?: boolean;
  readonly metricsNamespace: string;
}

/** Makes one of the console's functions with the shared settings. */
type FunctionFactory = (
  id: string,
  entry: keyof typeof SERVICE_NAMES,
  description: string,
  extra?: Partial<{ timeout: Duration }>,
) => CallControlFunction;

/** Props of {@link CallControlConsole}. */
export interface CallControlConsoleConstructProps extends CallControlConsoleProps {
  readonly httpApi: HttpApi;
  /** Base URL of the API's stage, ending in `/`. */
  readonly apiUrl: string;
  /** The operator function: the console's call routes reach it, behind the JWT authorizer. */
  readonly operatorHandler: IFunction;
  /** The cleanup dry run's function: the console's `POST /console-api/cleanup/dry-run` reaches it. */
  readonly cleanupDryRunHandler: IFunction;
  /** The log groups whose audit records the console searches. */
  readonly auditLogGroups: readonly ILogGroup[];
  readonly functions: ConsoleFunctionSettings;
}

/**
 * The operator console, deployed on the stack's own HTTP API: its static files at `GET /console/…` (served by a
 * small function with a strict Content-Security-Policy; same origin as the API, so no CORS), and the console's
 * API at `/console-api/…` behind a JWT authorizer whose scopes come from Cognito groups (`viewer` read,
 * `operator` write, `admin` also the kill switch). Sign-in is Cognito's managed login with the
 * authorization-code flow and PKCE. The IAM routes stay as they are for the CLI and machines.
 */
export class CallControlConsole extends Construct {
  readonly userPool: IUserPool;
  readonly userPoolClient: UserPoolClient;
  readonly domain: UserPoolDomain;
  readonly authorizer: HttpJwtAuthorizer;
  /** The console's URL. */
  readonly url: string;
  /** Leaves each access token the console scopes of the user's groups (pre-token generation, version 2). */
  readonly preTokenFunction: CallControlFunction;
  readonly assetsFunction: CallControlFunction;
  readonly auditSearchFunction: CallControlFunction;
  readonly routes: readonly HttpRoute[];

  constructor(
    scope: Construct,
    id: string,
    props: CallControlConsoleProps & CallControlConsoleConstructProps,
  ) {
    super(scope, id);
    const fn: FunctionFactory = (
      fnId: string,
      entry: keyof typeof SERVICE_NAMES,
      description: string,
      extra: Partial<{ timeout: Duration }> = {},
    ) =>
      new CallControlFunction(this, fnId, {
        entry,
        description,
        serviceName: SERVICE_NAMES[entry],
        bundling: props.functions.bundling,
        logLevel: props.functions.logLevel,
        logRetention: props.functions.logRetention,
        logRemovalPolicy: props.functions.removalPolicy,
        tracing: props.functions.tracing,
        powertoolsTracer: props.functions.powertoolsTracer,
        metricsNamespace: props.functions.metricsNamespace,
        memorySize: 256,
        ...extra,
      });

    this.preTokenFunction = fn(
      'pre-token-function',
      'console-pre-token',
      'Leaves each console access token the scopes of its user’s groups',
    );
    this.userPool = props.userPool ?? this.createUserPool(props.functions.removalPolicy);

    const resourceServer = this.userPool.addResourceServer('resource-server', {
      identifier: 'call-control',
      userPoolResourceServerName: 'call-control',
      scopes: Object.values(CONSOLE_SCOPES).map(
        (scope) =>
          new ResourceServerScope({
            scopeName: scope.slice('call-control/'.length),
            scopeDescription: `call control: ${scope.slice('call-control/'.length)}`,
          }),
      ),
    });
    for (const [group, scopes] of Object.entries(CONSOLE_GROUPS)) {
      new CfnUserPoolGroup(this, `group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        description: `Console ${group}: ${scopes.join(', ')}`,
      });
    }

    this.url = `${props.apiUrl}console/`;
    this.userPoolClient = this.createClient();
    this.userPoolClient.node.addDependency(resourceServer);

    this.domain =
      props.domain ??
      this.userPool.addDomain('domain', {
        cognitoDomain: {
          domainPrefix: checkedDomainPrefix(props.domainPrefix) ?? this.defaultDomainPrefix(),
        },
        managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
      });
    if (!props.domain) {
      // The managed login needs a style per client; Cognito's own look.
      new CfnManagedLoginBranding(this, 'managed-login-branding', {
        userPoolId: this.userPool.userPoolId,
        clientId: this.userPoolClient.userPoolClientId,
        useCognitoProvidedValues: true,
      });
    }

    const region = Stack.of(this).region;
    this.authorizer = new HttpJwtAuthorizer(
      'console-jwt-authorizer',
      `https://cognito-idp.${region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`,
      // Cognito access tokens carry no `aud`: API Gateway matches the audience against `client_id`.
      { jwtAudience: [this.userPoolClient.userPoolClientId] },
    );

    this.assetsFunction = fn(
      'assets-function',
      'console-assets',
      'Serves the operator console’s static files',
    );
    this.assetsFunction.addEnvironment('CONSOLE_CLIENT_ID', this.userPoolClient.userPoolClientId);
    this.assetsFunction.addEnvironment('CONSOLE_AUTH_BASE', this.domain.baseUrl());

    this.auditSearchFunction = this.createAuditSearch(fn, props.auditLogGroups);
    this.routes = this.createRoutes(props);
    new CfnOutput(this, 'url', { value: this.url, description: 'The operator console' });
  }

  /** The console's public app client: authorization code with PKCE only, back to the console's URL. */
  private createClient(): UserPoolClient {
    return this.userPool.addClient('console-client', {
      // A browser cannot keep a secret: a public client, authorization code with PKCE only.
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [
          OAuthScope.OPENID,
          ...Object.values(CONSOLE_SCOPES).map((scope) => OAuthScope.custom(scope)),
        ],
        callbackUrls: [this.url],
        logoutUrls: [this.url],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });
  }

  /** The audit search: Logs Insights queries started on the audit log groups only. */
  private createAuditSearch(fn: FunctionFactory, auditLogGroups: readonly ILogGroup[]): CallControlFunction {
    const search = fn('audit-search-function', 'audit-search', 'Searches the audit records', {
      timeout: Duration.seconds(29),
    });
    search.addEnvironment('AUDIT_LOG_GROUPS', auditLogGroups.map((group) => group.logGroupName).join(','));
    search.addToRolePolicy(
      new PolicyStatement({
        actions: ['logs:StartQuery'],
        resources: auditLogGroups.map((group) => group.logGroupArn),
      }),
    );
    search.addToRolePolicy(new PolicyStatement({ actions: ['logs:GetQueryResults'], resources: ['*'] }));
    const searchPolicy = search.role?.node.tryFindChild('DefaultPolicy');
    if (searchPolicy) {
      Validations.of(searchPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'logs:GetQueryResults supports no resource but *; it reads only queries this role started, and ' +
          'logs:StartQuery names the audit log groups. X-Ray writes also need *.',
      });
      Validations.of(searchPolicy).acknowledge({
        id: 'AwsSolutions-IAM5',
        reason:
          'The log-group ARNs end in :* (the log streams of exactly those groups), as StartQuery needs.',
      });
    }

    return search;
  }

  /** The console's routes: its API behind the JWT authorizer (one scope each), its public static files. */
  private createRoutes(props: CallControlConsoleConstructProps): HttpRoute[] {
    const operatorIntegration = new HttpLambdaIntegration(
      'console-operator-integration',
      props.operatorHandler,
    );
    const auditIntegration = new HttpLambdaIntegration('console-audit-integration', this.auditSearchFunction);
    const integrations = {
      operator: operatorIntegration,
      'audit-search': auditIntegration,
      'cleanup-dry-run': new HttpLambdaIntegration(
        'console-cleanup-dry-run-integration',
        props.cleanupDryRunHandler,
      ),
    };
    const apiRoutes = consoleRoutes().map(({ routeKey, scope }) => {
      const [method = 'GET', path = '/'] = routeKey.split(' ');
      return new HttpRoute(this, routeIdOf(routeKey), {
        httpApi: props.httpApi,
        routeKey: HttpRouteKey.with(path, HttpMethod[method as keyof typeof HttpMethod]),
        integration: integrations[consoleRouteTarget(routeKey)],
        authorizer: this.authorizer,
        authorizationScopes: [scope],
      });
    });

    const assetsIntegration = new HttpLambdaIntegration('console-assets-integration', this.assetsFunction);
    const assetRoutes = ['/console', '/console/{proxy+}'].map((path) => {
      const route = new HttpRoute(this, routeIdOf(`GET ${path}`), {
        httpApi: props.httpApi,
        routeKey: HttpRouteKey.with(path, HttpMethod.GET),
        integration: assetsIntegration,
        authorizer: new HttpNoneAuthorizer(),
      });
      Validations.of(route.node.defaultChild ?? route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The console’s static files (page, script, styles, the public OAuth client id) are public like any ' +
          'sign-in page; every data route of the console is behind the JWT authorizer with its scope.',
      });
      return route;
    });
    return [...apiRoutes, ...assetRoutes];
  }

  private createUserPool(removalPolicy: RemovalPolicy): UserPool {
    const pool = new UserPool(this, 'user-pool', {
      // People are added by an administrator into a group; nobody signs themselves up to end calls.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      featurePlan: FeaturePlan.ESSENTIALS,
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy,
    });
    // Version 2 of the event is the one that may change an access token's scopes.
    pool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.preTokenFunction, LambdaVersion.V2_0);
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Essentials plan is what access-token scope customisation needs; Plus (threat protection) is a cost ' +
        'per user the operator may choose, and sign-in already requires TOTP MFA with no self sign-up.',
    });
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG3',
      reason:
        'Threat protection needs the Plus feature plan (a cost per user the operator chooses); sign-in already ' +
        'requires TOTP MFA, and there is no self sign-up.',
    });
    return pool;
  }

  /**
   * A domain prefix Cognito accepts (lower case, no reserved words, at most 63 characters) and that no other
   * deployment takes: prefixes are unique per region across every AWS account, and every app built from the
   * docs has the same construct path, so the path alone would collide with the next team's (or with this
   * app's own staging account). The account ID (12 digits, a deploy-time reference when the stack is
   * environment-agnostic) makes it this account's.
   */
  private defaultDomainPrefix(): string {
    const account = Stack.of(this).account;
    const id = Names.uniqueId(this)
      .toLowerCase()
      .replace(/aws|amazon|cognito/g, 'x')
      .replace(/[^a-z0-9]/g, '');
    // A long path is cut in its middle, keeping the path hash uniqueId ends with: cut at the end, two
    // consoles whose paths differ only after the cut (two instances in one stack, sibling stacks in one
    // account) would ask for the same domain and the second deploy would fail.
    const room = 63 - 'cc-'.length - 1 - ACCOUNT_ID_LENGTH;
    const short =
      id.length <= room ? id : `${id.slice(0, room - PATH_HASH_LENGTH)}${id.slice(-PATH_HASH_LENGTH)}`;
    return `cc-${short}-${account}`;
  }
}

/**
 * A domain prefix of the caller's, refused at synth when it holds a word Cognito reserves (CDK checks the
 * characters and the length, not these): otherwise the deploy fails half way, after the user pool exists.
 */
const checkedDomainPrefix = (prefix: string | undefined): string | undefined => {
  if (prefix !== undefined && !Token.isUnresolved(prefix) && /aws|amazon|cognito/i.test(prefix)) {
    throw new Error(
      `console.domainPrefix must not contain "aws", "amazon" or "cognito" (Cognito reserves them), got "${prefix}"`,
    );
  }
  return prefix;
};

/** Kebab-case construct ID of a route key, e.g. `post-console-api-calls-callsid-terminate`. */
const routeIdOf = (routeKey: string): string =>
  routeKey
    .toLowerCase()
    .replace(/[{}+]/g, '')
    .replace(/[^a-z0-9]+/g, '-');
