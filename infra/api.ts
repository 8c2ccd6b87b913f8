import { Names, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  ACCOUNT_PREFIX,
  OPERATOR_ROUTES as SHARED_ROUTES,
  STATUS_CALLBACK_ROUTE,
} from '../functions/commons/http/routes.ts';
import { acknowledgeGrantedWildcards } from './nag-acknowledgements.ts';

/**
 * How operators authenticate to the API.
 * - `iam`: every operator request is signed with SigV4; grant `execute-api:Invoke` to the callers.
 * - `jwt`: every operator request carries a bearer token from an OIDC issuer (for example a Cognito user
 *   pool), for human operators who have no AWS credentials.
 */
export type CallControlApiAuth =
  | { readonly type: 'iam' }
  | {
      readonly type: 'jwt';
      /** Issuer URL; must match the token's `iss` claim exactly. */
      readonly issuer: string;
      /** Accepted `aud` (or Cognito `client_id`) values; at least one. */
      readonly audience: readonly string[];
      /**
       * OAuth scopes a token must carry (any one of them) on every operator route.
       * @default - no scope check
       */
      readonly scopes?: readonly string[];
      /**
       * Scopes accepted (any one of them) on the routes that only read (`GET /calls`, `GET /calls/{callSid}`),
       * e.g. `['call-control/read', 'call-control/write']`: with `writeScopes`, a read-only operator role.
       * @default - `scopes`
       */
      readonly readScopes?: readonly string[];
      /**
       * Scopes accepted (any one of them) on the routes that change a call (`POST /calls/{callSid}`, its
       * `/terminate`), e.g. `['call-control/write']`.
       * @default - `scopes`
       */
      readonly writeScopes?: readonly string[];
    };

/** API Gateway throttling of a stage or route. */
export interface CallControlThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst above the steady rate. */
  readonly burstLimit: number;
}

/**
 * The operator routes, read from the list the function's router uses (each also exists under
 * `/accounts/{accountSid}` for multi-project secrets), so the API and the handler cannot disagree.
 */
const OPERATOR_ROUTES: ReadonlyArray<{ readonly method: HttpMethod; readonly path: string }> =
  SHARED_ROUTES.map(({ method, path }) => ({ method: HttpMethod[method], path }));

/** Path of SignalWire's status callbacks. */
export const STATUS_WEBHOOK_PATH = STATUS_CALLBACK_ROUTE.path;

/**
 * One JSON object per request. The caller identity fields show who did what; nothing here carries a
 * request body, query string or header value but the User-Agent, so no credential can reach the log.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationStatus: '$context.integration.status',
    integrationLatency: '$context.integration.latency',
    integrationError: '$context.integration.error',
    errorMessage: '$context.error.message',
    authorizerError: '$context.authorizer.error',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    callerArn: '$context.identity.userArn',
    principalId: '$context.authorizer.principalId',
    jwtSubject: '$context.authorizer.claims.sub',
  }),
);

/** Props of {@link CallControlApi}. */
export interface CallControlApiProps {
  /** Serves every operator route. */
  readonly operatorHandler: IFunction;
  /** Serves the SignalWire status-callback route. */
  readonly webhookHandler: IFunction;
  readonly auth: CallControlApiAuth;
  /** Default throttling of every route of the stage. */
  readonly throttle: CallControlThrottle;
  /** Throttling of the unauthenticated webhook route, which overrides the stage default. */
  readonly webhookThrottle: CallControlThrottle;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The HTTP API: operator routes behind IAM (or JWT) authorization, the status-callback route open to
 * SignalWire (its HMAC signature is checked by the function) but throttled, JSON access logs.
 */
export class CallControlApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly operatorRoutes: readonly HttpRoute[];
  /** The `POST` status-callback route. */
  readonly webhookRoute: HttpRoute;
  /** Every status-callback route: `POST`, and `GET` for `StatusCallbackMethod=GET`. */
  readonly webhookRoutes: readonly HttpRoute[];
  private readonly auth: CallControlApiAuth;
  private readonly operatorRouteKeys = ['', ACCOUNT_PREFIX].flatMap((prefix) =>
    OPERATOR_ROUTES.map(({ method, path }) => ({ method, path: `${prefix}${path}` })),
  );

  constructor(scope: Construct, id: string, props: CallControlApiProps) {
    super(scope, id);
    this.auth = props.auth;

    this.httpApi = new HttpApi(this, 'http-api', {
      // Unique per construct instance and stable across deployments, unlike the construct ID alone.
      apiName: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      description: 'Updates live SignalWire calls and receives their status callbacks',
      createDefaultStage: false,
    });

    this.accessLogGroup = new LogGroup(this, 'access-logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stage = this.httpApi.addStage('default-stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const operatorIntegration = new HttpLambdaIntegration('operator-integration', props.operatorHandler);
    const authorizer = this.operatorAuthorizer();
    this.operatorRoutes = this.operatorRouteKeys.map(
      ({ method, path }) =>
        new HttpRoute(this, routeId(method, path), {
          httpApi: this.httpApi,
          routeKey: HttpRouteKey.with(path, method),
          integration: operatorIntegration,
          authorizer,
          authorizationScopes: jwtScopesFor(props.auth, method),
        }),
    );

    const webhookIntegration = new HttpLambdaIntegration('webhook-integration', props.webhookHandler);
    this.webhookRoutes = STATUS_CALLBACK_ROUTE.methods.map((method) => {
      const route = new HttpRoute(this, routeId(HttpMethod[method], STATUS_WEBHOOK_PATH), {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(STATUS_WEBHOOK_PATH, HttpMethod[method]),
        integration: webhookIntegration,
        authorizer: new HttpNoneAuthorizer(),
      });
      Validations.of(route.node.defaultChild ?? route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'SignalWire cannot sign requests with SigV4 or send a JWT; the function authenticates every status ' +
          'callback by its X-SignalWire-Signature HMAC and the route has its own throttling.',
      });
      return route;
    });
    this.webhookRoute = this.webhookRoutes[0] as HttpRoute;

    // Route-level throttling only exists on the L1 stage; its keys must name existing routes, hence the dependency.
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      STATUS_CALLBACK_ROUTE.methods.map((method) => [
        `${method} ${STATUS_WEBHOOK_PATH}`,
        {
          ThrottlingRateLimit: props.webhookThrottle.rateLimit,
          ThrottlingBurstLimit: props.webhookThrottle.burstLimit,
        },
      ]),
    );
    for (const route of this.webhookRoutes) cfnStage.node.addDependency(route);
  }

  /** Base URL of the `$default` stage, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Allows `grantee` to call every operator route (`execute-api:Invoke` on exactly those routes).
   * Only meaningful with IAM authorization, so it throws in JWT mode.
   */
  grantInvoke(grantee: IGrantable): Grant {
    if (this.auth.type !== 'iam') {
      throw new Error('grantInvoke needs IAM authorization; in JWT mode access comes from the token issuer');
    }
    // One ARN per route with `*` for each path parameter; HttpRoute.grantInvoke would cut the path at the
    // first parameter and allow every stage.
    const resourceArns = this.operatorRouteKeys.map(({ method, path }) =>
      this.httpApi.arnForExecuteApi(method, path.replace(/\{[^}]+\}/g, '*'), this.stage.stageName),
    );
    const grant = Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
    acknowledgeGrantedWildcards(
      grantee.grantPrincipal,
      resourceArns,
      'execute-api:Invoke on the call-control operator routes only: each `*` stands for a path parameter ' +
        '(a call SID, an account SID) of one route, method and stage, which IAM cannot name in advance.',
    );
    return grant;
  }

  private operatorAuthorizer(): IHttpRouteAuthorizer {
    if (this.auth.type === 'iam') {
      return new HttpIamAuthorizer();
    }
    return new HttpJwtAuthorizer('jwt-authorizer', this.auth.issuer, {
      jwtAudience: [...this.auth.audience],
    });
  }
}

/** The JWT scopes a route accepts: the read or write scopes by its method, else the scopes of every route. */
const jwtScopesFor = (auth: CallControlApiAuth, method: HttpMethod): string[] | undefined => {
  if (auth.type !== 'jwt') return undefined;
  const scopes = (method === HttpMethod.GET ? auth.readScopes : auth.writeScopes) ?? auth.scopes;
  return scopes ? [...scopes] : undefined;
};

/** Kebab-case construct ID of a route, e.g. `post-calls-callsid-terminate`. */
const routeId = (method: HttpMethod, path: string): string =>
  `${method}${path}`
    .toLowerCase()
    .replace(/[{}]/g, '')
    .replace(/[^a-z0-9]+/g, '-');
