import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createConsoleAssetsHandler } from '#commons/console/assets';
import { CONSOLE_API_PREFIX, CONSOLE_SCOPES, consoleRoutes, consoleRouteTarget } from '#commons/http/routes';
import { TRIGGER_ALIASES } from '#commons/platform/settings';
import { buildConsoleFiles } from '../infra/console-bundle.ts';
import {
  type LocalApiGateway,
  type LocalApiGatewayOptions,
  type LocalRoute,
  startLocalApiGateway,
} from './api-gateway.ts';
import {
  createLocalSignIn,
  LOCAL_CONSOLE_CLIENT_ID,
  LOCAL_SIGN_IN_PREFIX,
  type LocalSignIn,
} from './sign-in.ts';

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** The operator console's part of the local stack: its routes on the local API Gateway and its JWT check. */
export interface LocalConsole {
  /** The console's JWT routes, its static files and the sign-in stand-in's endpoints. */
  routes: LocalRoute[];
  /** API Gateway's JWT authorizer, locally: signature against the stand-in's JWKS, issuer, client, expiry. */
  verifyJwt(token: string): Promise<Record<string, unknown>>;
  signIn: LocalSignIn;
  /** Starts the local API Gateway with these options and notes where it listens (the tokens' issuer). */
  listenOn(options: LocalApiGatewayOptions): Promise<LocalApiGateway>;
  /** `http://localhost:<port>/console/`. */
  url(): string;
}

/**
 * Loads the console's functions (the audit search, the cleanup dry run, the static files built from
 * `console/`) and the sign-in stand-in, and lays out their routes; `operator` serves the console's call routes.
 */
export const prepareLocalConsole = async (
  operator: HttpHandler,
  logs: { awsUrl: string; logGroup: string },
): Promise<LocalConsole> => {
  // Read by the audit search at import: the local CloudWatch Logs and the one log group of the local stack.
  process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS = logs.awsUrl;
  process.env.AUDIT_LOG_GROUPS = logs.logGroup;
  const auditSearch = (await import('../functions/audit-search.ts')) as { handler: HttpHandler };
  const cleanupDryRun = (await import('../functions/cleanup-dry-run.ts')) as { handler: HttpHandler };
  const assets = createConsoleAssetsHandler(buildConsoleFiles(await import('esbuild')), {
    clientId: LOCAL_CONSOLE_CLIENT_ID,
    authBase: LOCAL_SIGN_IN_PREFIX,
    apiBase: CONSOLE_API_PREFIX,
    scope: ['openid', ...Object.values(CONSOLE_SCOPES)].join(' '),
  });
  // The gateway's port is known once it listens; tokens name `localhost`, where `npm start` sends people.
  let origin = '';
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const signIn = await createLocalSignIn(() => origin);
  const handlers = {
    operator,
    'audit-search': auditSearch.handler,
    'cleanup-dry-run': cleanupDryRun.handler,
  };

  return {
    signIn,
    url: () => `${origin}/console/`,
    listenOn: async (gatewayOptions) => {
      const api = await startLocalApiGateway(gatewayOptions);
      origin = `http://localhost:${api.port}`;
      jwks = createRemoteJWKSet(new URL(`${api.url}${LOCAL_SIGN_IN_PREFIX}/.well-known/jwks.json`));
      return api;
    },
    verifyJwt: async (token) => {
      if (!jwks) throw new Error('the local API Gateway is not listening yet');
      const { payload } = await jwtVerify(token, jwks, { issuer: signIn.issuer(), algorithms: ['ES256'] });
      // Cognito access tokens carry no `aud`: API Gateway matches the audience against `client_id`.
      if (payload.client_id !== LOCAL_CONSOLE_CLIENT_ID) throw new Error('token of another client');
      return payload as Record<string, unknown>;
    },
    routes: [
      ...consoleRoutes().map(({ routeKey, scope }) => {
        const target = consoleRouteTarget(routeKey);
        return {
          routeKey,
          handler: handlers[target],
          auth: 'jwt' as const,
          scopes: [scope],
          functionName: target === 'operator' ? 'call-control-http-api' : `call-control-${target}`,
          // As deployed: the console's routes invoke the functions' `api-gateway` alias, so the signed-in user
          // the authorizer checked is attested.
          alias: TRIGGER_ALIASES.http,
        };
      }),
      ...['GET /console', 'GET /console/{proxy+}'].map((routeKey) => ({
        routeKey,
        handler: assets,
        auth: 'none' as const,
        functionName: 'call-control-console-assets',
      })),
      ...signIn.routes.map(({ routeKey, handler }) => ({
        routeKey,
        handler,
        auth: 'none' as const,
        functionName: 'local-sign-in',
      })),
    ],
  };
};
