import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { operatorRouteKeys } from '#commons/http/routes';
import { type LocalApiGateway, startLocalApiGateway } from './api-gateway.ts';
import { LocalAws } from './aws-emulator.ts';
import { SignalWireEmulator } from './signalwire-emulator.ts';

/** The local project: a fixed Project ID so README examples work as written. */
export const LOCAL_PROJECT_ID = '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d';
export const LOCAL_SECRET_NAME = 'signalwire/call-control';

export interface LocalStackOptions {
  /** Port of the local API Gateway. @default 0 (ephemeral) */
  port?: number;
  /** Latency the SignalWire emulator adds to each answer. @default 0 */
  latencyMs?: number;
}

export interface LocalStack {
  emulator: SignalWireEmulator;
  aws: LocalAws;
  api: LocalApiGateway;
  projectId: string;
  /** The emulator's API token for the project: for tests that rotate it or assert it never leaks. */
  apiToken: string;
  signingKey: string;
  stop(): Promise<void>;
}

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/**
 * Starts every stand-in on loopback (the SignalWire emulator, Secrets Manager / EventBridge, API Gateway),
 * stores the credentials in the local Secrets Manager, points the AWS SDK at it through
 * `AWS_ENDPOINT_URL_*`, and loads the real handlers. Handlers read their configuration once at import, so
 * one process runs one local stack.
 */
export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const signingKey = `PSK_${randomBytes(24).toString('hex')}`;
  const emulator = await SignalWireEmulator.start({
    projects: [{ projectId: LOCAL_PROJECT_ID, apiToken }],
    latencyMs: options.latencyMs ?? 0,
  });
  const aws = await LocalAws.start();
  aws.putSecret(
    LOCAL_SECRET_NAME,
    JSON.stringify({ projectId: LOCAL_PROJECT_ID, apiToken, spaceUrl: emulator.url, signingKey }),
  );

  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
    SIGNALWIRE_SECRET_ID: LOCAL_SECRET_NAME,
    // The one switch that lets a secret point at a non-SignalWire host: the emulator's exact origin.
    SIGNALWIRE_LOCAL_SPACE_ORIGIN: emulator.url,
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });

  const { handler } = (await import('../functions/http-api.ts')) as { handler: HttpHandler };
  const api = await startLocalApiGateway({
    port: options.port ?? 0,
    functionName: 'call-control-http-api',
    timeoutMs: 29_000,
    routes: operatorRouteKeys().map((routeKey) => ({ routeKey, handler, auth: 'iam' as const })),
  });

  return {
    emulator,
    aws,
    api,
    projectId: LOCAL_PROJECT_ID,
    apiToken,
    signingKey,
    stop: async () => {
      await api.stop();
      await Promise.all([emulator.stop(), aws.stop()]);
    },
  };
};
