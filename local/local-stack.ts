import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { CALL_UPDATE_REQUESTED, DEFAULT_EVENT_SOURCE } from '#commons/events/contracts';
import { operatorRouteKeys, statusCallbackRouteKeys } from '#commons/http/routes';
import {
  CLEANUP_FUNCTION_TIMEOUT_SECONDS,
  DEFAULT_STACK_NAME,
  ENV,
  TRIGGER_ALIASES,
} from '#commons/platform/settings';
import { LOCAL_STATE_FILE, type LocalStackState, makePrivateDir } from '../cli/core/local-state.ts';
import type { LocalApiGateway } from './api-gateway.ts';
import { type EventBridgeEnvelope, LocalAws } from './aws-emulator.ts';
import { type LocalConsole, prepareLocalConsole } from './console-local.ts';
import { createIdempotencyTable, type LocalDynamoDb, startLocalDynamoDb } from './dynamodb.ts';
import { createLambdaContext, LAMBDA_ON_DEMAND_ENVIRONMENT } from './lambda-context.ts';
import type { LocalSignIn } from './sign-in.ts';
import { SignalWireEmulator } from './signalwire-emulator.ts';
import type { LocalCredentials } from './sigv4-check.ts';

/** The local project: a fixed Project ID so README examples work as written. */
export const LOCAL_PROJECT_ID = '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d';
export const LOCAL_SECRET_NAME = 'signalwire/call-control';
/** The scheduled cleanup function, invocable through the local Lambda API (`aws lambda invoke`). */
export const LOCAL_CLEANUP_FUNCTION = 'call-control-cleanup';
/** The one log group of the local stack: the audit records and cleanup reports of every function. */
export const LOCAL_LOG_GROUP = '/aws/lambda/call-control';
/** The CloudFormation stack name the local Secrets Manager / EventBridge endpoint also describes. */
export const LOCAL_STACK_NAME = DEFAULT_STACK_NAME;
/** The bus the functions publish to and the local rule listens on. */
export const LOCAL_EVENT_BUS_NAME = 'call-control';
/** Sources whose "Call Update Requested" events the local rule routes and the function accepts. */
export const LOCAL_ALLOWED_EVENT_SOURCES = ['com.example.crm'] as const;
export const LOCAL_IDEMPOTENCY_TABLE_NAME = 'call-control-idempotency';
/** The event function: the local rule's target (its `event-rule` alias), and invocable by hand. */
export const LOCAL_CALL_UPDATE_EVENTS_FUNCTION = 'call-control-call-update-events';
/** The operator API function: the local API Gateway's integration (its `api-gateway` alias), and invocable by hand. */
export const LOCAL_HTTP_API_FUNCTION = 'call-control-http-api';

/**
 * The AWS credentials of the local stack: the local API Gateway checks SigV4 signatures against them, and
 * the local Secrets Manager / EventBridge are called with them.
 */
export const LOCAL_CREDENTIALS: LocalCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
/** The IAM caller the local API Gateway reports for requests signed with {@link LOCAL_CREDENTIALS}. */
export const LOCAL_IDENTITY_ARN = 'arn:aws:iam::123456789012:user/local-developer';

/** What `call-control --local` reads from the state directory: its shape is the CLI's (cli/core/local-state.ts). */
export type { LocalStackState };

export interface LocalStackOptions {
  /**
   * Directory for `stack.json` (how the CLI finds this stack) and `audit.ndjson` (every audit record the
   * functions write, kept as CloudWatch Logs keeps them, whatever the console's log level).
   * @default - neither file is written
   */
  stateDir?: string;
  /** Port of the local API Gateway. @default 0 (ephemeral) */
  port?: number;
  /** Latency the SignalWire emulator adds to each answer. @default 0 */
  latencyMs?: number;
  /**
   * Port of the local Secrets Manager / EventBridge endpoint, fixed so that the AWS CLI can reach it
   * (`aws events put-events --endpoint-url`). @default 0 (ephemeral)
   */
  awsPort?: number;
}

export interface LocalStack {
  emulator: SignalWireEmulator;
  aws: LocalAws;
  api: LocalApiGateway;
  /** dynalite, holding the idempotency table. */
  dynamodb: LocalDynamoDb;
  eventBusName: string;
  allowedEventSources: readonly string[];
  idempotencyTableName: string;
  /**
   * The target of the "Call Update Requested" rule: invokes the event function with a fresh Lambda context,
   * as EventBridge and Lambda would. Tests call it to redeliver an event or to route one by another rule.
   */
  deliverCallUpdateRequested(event: EventBridgeEnvelope): Promise<unknown>;
  projectId: string;
  /** The emulator's API token for the project: for tests that rotate it or assert it never leaks. */
  apiToken: string;
  signingKey: string;
  /** Set when `stateDir` was given. */
  state?: LocalStackState;
  /** The operator console: `http://localhost:<port>/console/`. */
  consoleUrl: string;
  /** The local sign-in stand-in (its users are {@link LOCAL_USERS}). */
  signIn: LocalSignIn;
  stop(): Promise<void>;
}

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
type EventHandler = (event: EventBridgeEnvelope, context: Context) => Promise<unknown>;

/**
 * Starts every stand-in on loopback (the SignalWire emulator, Secrets Manager / EventBridge, DynamoDB
 * (dynalite), API Gateway), stores the credentials in the local Secrets Manager, creates the idempotency
 * table, points the AWS SDK at them through `AWS_ENDPOINT_URL_*`, and loads the real handlers: the operator
 * API and the status-callback webhook behind the local API Gateway, the event function behind a local rule
 * for "Call Update Requested". Handlers read their configuration once at import, so one process runs one
 * local stack.
 */
export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const signingKey = `PSK_${randomBytes(24).toString('hex')}`;
  const emulator = await SignalWireEmulator.start({
    projects: [{ projectId: LOCAL_PROJECT_ID, apiToken }],
    latencyMs: options.latencyMs ?? 0,
  });
  const aws = await LocalAws.start({ port: options.awsPort ?? 0 });
  const dynamodb = await startLocalDynamoDb();
  aws.putSecret(
    LOCAL_SECRET_NAME,
    JSON.stringify({ projectId: LOCAL_PROJECT_ID, apiToken, spaceUrl: emulator.url, signingKey }),
  );

  // Before any function is loaded (Powertools reads it when the Logger is built); a caller's own value stays.
  for (const [name, value] of Object.entries(LAMBDA_ON_DEMAND_ENVIRONMENT)) process.env[name] ??= value;
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
    [ENV.signalWireSecretId]: LOCAL_SECRET_NAME,
    [ENV.eventBusName]: LOCAL_EVENT_BUS_NAME,
    [ENV.eventSource]: DEFAULT_EVENT_SOURCE,
    [ENV.idempotencyTableName]: LOCAL_IDEMPOTENCY_TABLE_NAME,
    [ENV.allowedEventSources]: LOCAL_ALLOWED_EVENT_SOURCES.join(','),
    // The one switch that lets a secret point at a non-SignalWire host: the emulator's exact origin.
    [ENV.signalWireLocalSpaceOrigin]: emulator.url,
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });

  await createIdempotencyTable(new DynamoDBClient({ endpoint: dynamodb.url }), LOCAL_IDEMPOTENCY_TABLE_NAME);

  const { handler } = (await import('../functions/http-api.ts')) as { handler: HttpHandler };
  const statusCallback = (await import('../functions/status-callback.ts')) as { handler: HttpHandler };
  const callUpdateEvents = (await import('../functions/call-update-events.ts')) as unknown as {
    handler: EventHandler;
  };
  const localConsole = await prepareLocalConsole(handler, { awsUrl: aws.url, logGroup: LOCAL_LOG_GROUP });
  const auditLog = options.stateDir ? join(options.stateDir, 'audit.ndjson') : undefined;
  await keepLogs(aws, auditLog);
  const deliverCallUpdateRequested = registerFunctions(aws, handler, callUpdateEvents.handler);

  const api = await startGateway(options.port ?? 0, handler, statusCallback.handler, localConsole);

  // The deployed stack's outputs, as `call-control` (default target) reads them with DescribeStacks.
  aws.putStack(
    LOCAL_STACK_NAME,
    {
      ApiUrl: `${api.url}/`,
      EventBusName: LOCAL_EVENT_BUS_NAME,
      CleanupFunctionName: LOCAL_CLEANUP_FUNCTION,
    },
    [{ logicalId: 'calllogs', type: 'AWS::Logs::LogGroup', physicalId: LOCAL_LOG_GROUP }],
  );

  const state =
    options.stateDir && auditLog
      ? writeState(options.stateDir, {
          apiUrl: api.url,
          region: process.env.AWS_REGION ?? 'us-east-1',
          ...LOCAL_CREDENTIALS,
          awsEndpoint: aws.url,
          secretId: LOCAL_SECRET_NAME,
          localSpaceOrigin: emulator.url,
          identityArn: LOCAL_IDENTITY_ARN,
          auditLog,
        })
      : undefined;

  return {
    state,
    consoleUrl: localConsole.url(),
    signIn: localConsole.signIn,
    emulator,
    aws,
    api,
    dynamodb,
    eventBusName: LOCAL_EVENT_BUS_NAME,
    allowedEventSources: LOCAL_ALLOWED_EVENT_SOURCES,
    idempotencyTableName: LOCAL_IDEMPOTENCY_TABLE_NAME,
    deliverCallUpdateRequested,
    projectId: LOCAL_PROJECT_ID,
    apiToken,
    signingKey,
    stop: async () => {
      await api.stop();
      await aws.drainTargets();
      await Promise.all([emulator.stop(), aws.stop(), dynamodb.stop()]);
    },
  };
};

/** The operator routes (SigV4, as IAM-authorised API Gateway routes) and the public status-callback route. */
const startGateway = (
  port: number,
  operator: HttpHandler,
  statusCallback: HttpHandler,
  console: LocalConsole,
): Promise<LocalApiGateway> =>
  console.listenOn({
    port,
    functionName: LOCAL_HTTP_API_FUNCTION,
    timeoutMs: 29_000,
    credentials: LOCAL_CREDENTIALS,
    verifyJwt: console.verifyJwt,
    identity: {
      userArn: LOCAL_IDENTITY_ARN,
      accountId: '123456789012',
      callerId: 'AIDALOCALDEVELOPER000',
      accessKey: LOCAL_CREDENTIALS.accessKeyId,
      userId: 'AIDALOCALDEVELOPER000',
    },
    routes: [
      // As deployed, the operator routes invoke the `api-gateway` alias: the authorizer's caller is attested.
      ...operatorRouteKeys().map((routeKey) => ({
        routeKey,
        handler: operator,
        auth: 'iam' as const,
        alias: TRIGGER_ALIASES.http,
      })),
      // The operator console: its JWT routes, its static files and the local sign-in stand-in.
      ...console.routes,
      ...statusCallbackRouteKeys().map((routeKey) => ({
        routeKey,
        handler: statusCallback,
        // Public by nature: the SignalWire signature is the route's authentication.
        auth: 'none' as const,
        functionName: 'call-control-status-callback',
      })),
    ],
  });

/**
 * The local Lambda functions and the rule, as deployed: the cleanup, event and HTTP functions invocable by hand
 * (`aws lambda invoke --endpoint-url`, unqualified or with their trigger's alias as `Qualifier`), and the rule
 * delivering to the event function's `event-rule` alias. Returns the rule's target.
 */
const registerFunctions = (
  aws: LocalAws,
  operator: HttpHandler,
  callUpdateEvents: EventHandler,
): ((event: EventBridgeEnvelope) => Promise<unknown>) => {
  aws.addFunction(LOCAL_CLEANUP_FUNCTION, {
    logGroup: LOCAL_LOG_GROUP,
    environment: { [ENV.signalWireSecretId]: LOCAL_SECRET_NAME },
    // As deployed: the schedules invoke the `scheduler` alias; the CLI's `cleanup` invokes the function itself.
    aliases: [TRIGGER_ALIASES.schedule],
    invoke: async (payload, alias) => {
      const cleanup = (await import('../functions/cleanup.ts')) as unknown as { handler: EventHandler };
      return cleanup.handler(
        payload as EventBridgeEnvelope,
        createLambdaContext({
          functionName: LOCAL_CLEANUP_FUNCTION,
          timeoutMs: CLEANUP_FUNCTION_TIMEOUT_SECONDS * 1000,
          ...(alias ? { alias } : {}),
        }),
      );
    },
  });

  const invokeCallUpdateEvents = (event: EventBridgeEnvelope, alias?: string): Promise<unknown> =>
    callUpdateEvents(
      event,
      createLambdaContext({
        functionName: LOCAL_CALL_UPDATE_EVENTS_FUNCTION,
        timeoutMs: 60_000,
        ...(alias ? { alias } : {}),
      }),
    );
  // A hand invoke (`aws lambda invoke`) reaches the unqualified function, and is audited as such.
  aws.addFunction(LOCAL_CALL_UPDATE_EVENTS_FUNCTION, {
    logGroup: LOCAL_LOG_GROUP,
    aliases: [TRIGGER_ALIASES.event],
    invoke: (payload, alias) => invokeCallUpdateEvents(payload as EventBridgeEnvelope, alias),
  });
  aws.addFunction(LOCAL_HTTP_API_FUNCTION, {
    logGroup: LOCAL_LOG_GROUP,
    aliases: [TRIGGER_ALIASES.http],
    invoke: (payload, alias) =>
      operator(
        payload as APIGatewayProxyEventV2,
        createLambdaContext({
          functionName: LOCAL_HTTP_API_FUNCTION,
          timeoutMs: 29_000,
          ...(alias ? { alias } : {}),
        }),
      ),
  });
  // The rule's target is the `event-rule` alias, as deployed, so the envelope's account is attested.
  const deliverCallUpdateRequested = (event: EventBridgeEnvelope): Promise<unknown> =>
    invokeCallUpdateEvents(event, TRIGGER_ALIASES.event);
  aws.addRule(
    {
      name: 'call-update-requested',
      eventBusName: LOCAL_EVENT_BUS_NAME,
      source: [...LOCAL_ALLOWED_EVENT_SOURCES],
      detailType: [CALL_UPDATE_REQUESTED],
    },
    deliverCallUpdateRequested,
  );
  return deliverCallUpdateRequested;
};

/** Writes what the CLI's `--local` target reads (`stack.json`, owner-only: it holds the local credentials). */
const writeState = (stateDir: string, state: LocalStackState): LocalStackState => {
  makePrivateDir(stateDir);
  writeFileSync(join(stateDir, LOCAL_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return state;
};

/**
 * Keeps every audit record and cleanup report the functions write, whatever the console's log level: in the
 * local log group (`FilterLogEvents`) and, with a state directory, appended to `file` as JSON lines shaped like
 * the Powertools line CloudWatch Logs would hold.
 */
const keepLogs = async (aws: LocalAws, file: string | undefined): Promise<void> => {
  const { logger } = await import('#commons/platform/powertools');
  const { AUDIT_MESSAGE, CLEANUP_REPORT_MESSAGE } = await import('#commons/calls/audit');
  if (file) mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  /** The log lines the local stack keeps, as CloudWatch Logs would: what the CLI reads back. */
  const keep = (message: unknown, attributes: unknown): void => {
    const kept = message === AUDIT_MESSAGE || message === CLEANUP_REPORT_MESSAGE;
    if (kept && typeof attributes === 'object' && attributes !== null) {
      const line = JSON.stringify({
        level: 'INFO',
        timestamp: new Date().toISOString(),
        service: process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control',
        ...(attributes as Record<string, unknown>),
        message,
      });
      aws.putLogEvent(LOCAL_LOG_GROUP, line);
      if (file) appendFileSync(file, `${line}\n`, { mode: 0o600 });
    }
  };
  const info = logger.info.bind(logger);
  logger.info = ((message: unknown, ...rest: unknown[]) => {
    keep(message, rest[0]);
    (info as (...args: unknown[]) => void)(message, ...rest);
  }) as typeof logger.info;
  // The cleanup's audit lines come as their JSON (calls/audit-record.ts `writeAuditJson`), not through `info`.
  const auditJson = logger.auditJson.bind(logger);
  logger.auditJson = (json: string) => {
    keep(AUDIT_MESSAGE, { audit: JSON.parse(json) as unknown });
    auditJson(json);
  };
};
