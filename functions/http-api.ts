import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpRouterHandler from '@middy/http-router';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type {
  Context,
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { httpActor } from '#commons/calls/audit-actors';
import { CALL_UPDATE_ALIASES } from '#commons/calls/call-update-schema';
import { type NativeAwareCallService, withNativeCalls } from '#commons/calls/native-calls';
import { type CallAction, createCallService } from '#commons/calls/service';
import { createCleanupDryRun } from '#commons/cleanup/dry-run';
import * as validators from '#commons/generated/validators';
import { countApplied, countedRefusals, countRefusal } from '#commons/http/action-metrics';
import { CURSOR_KEY_PURPOSE } from '#commons/http/cursor-seal';
import { LIST_QUERY_ALIASES, listAnswer, listRequestOf, VIOLATION_CONTEXT } from '#commons/http/list-query';
import {
  bodyDefault,
  errorResponse,
  failureResponse,
  inputShape,
  jsonResponse,
  renameFields,
  requestGuard,
  requestLogKeys,
} from '#commons/http/middlewares';
import { type Route, refusalAuditor, route, TIMEOUT_EARLY_MS } from '#commons/http/route';
import { type OperatorRouteKey, routerRoutes } from '#commons/http/routes';
import { readSignalWireConfig } from '#commons/platform/config';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger } from '#commons/platform/powertools';
import { createSignalWireAccess, type ProjectKeys } from '#commons/signalwire/access';
import { canonicalSid } from '#commons/signalwire/sids';
import type { CallUpdate } from '#commons/signalwire/types';

/** The operator API: update, terminate, read and list calls over API Gateway HTTP API (payload v2). */

/**
 * Builds the handler around the call service and the credentials layer's per-project keys (list cursors are
 * sealed with them); tests and the local server pass their own.
 */
export const createHttpApiHandler = (
  calls: NativeAwareCallService,
  keys: ProjectKeys,
  cleanupDryRun: (event: HttpEvent, context: Context) => Promise<HttpResult>,
) => {
  /** The project the path names (logged with every line), or undefined for the secret's default. */
  const project = (event: HttpEvent): string | undefined => {
    const accountSid = event.pathParameters?.accountSid;
    if (accountSid) logger.appendKeys({ accountSid });
    return accountSid;
  };
  const act = async (
    event: HttpEvent,
    signal: AbortSignal,
    context: Context,
    action: CallAction,
  ): Promise<HttpResult> => {
    const callSid = canonicalSid(event.pathParameters?.callSid ?? '');
    logger.appendKeys({ callSid });
    const accountSid = project(event);
    const outcome = await calls.apply({
      trigger: 'http',
      actor: httpActor(event, context.invokedFunctionArn),
      callSid,
      action,
      signal,
      ...(accountSid ? { project: accountSid } : {}),
    });
    if (!outcome.ok) {
      countRefusal(outcome.error);
      return failureResponse(logger, outcome.error, outcome.cause, event.requestContext?.requestId);
    }
    countApplied(outcome.outcome);
    return jsonResponse(200, outcome.call, { 'x-call-outcome': outcome.outcome });
  };

  const handlers: Record<OperatorRouteKey, Route> = {
    'POST /calls/{callSid}': route(
      validators.validateUpdateCallEvent,
      (event, signal, context) =>
        act(event, signal, context, { kind: 'update', update: event.body as unknown as CallUpdate }),
      [bodyDefault, renameFields('body', CALL_UPDATE_ALIASES)],
    ),
    'POST /calls/{callSid}/terminate': route(
      validators.validateTerminateCallEvent,
      (event, signal, context) => act(event, signal, context, { kind: 'terminate' }),
      [bodyDefault],
    ),
    'GET /calls/{callSid}': route(validators.validateGetCallEvent, async (event, signal) => {
      const callSid = event.pathParameters?.callSid ?? '';
      logger.appendKeys({ callSid: canonicalSid(callSid) });
      return jsonResponse(200, await calls.get({ project: project(event), callSid, signal }));
    }),
    'GET /calls': route(
      validators.validateListCallsEvent,
      async (event, signal) => {
        // Checked before anything is loaded; the cursor key is the credentials layer's, never the port's.
        const pageOf = listRequestOf(event);
        const { projectId, key } = await keys.projectKey(project(event), CURSOR_KEY_PURPOSE);
        const page = await calls.list({ project: projectId, signal, from: pageOf(projectId, key) });
        return jsonResponse(200, listAnswer(page, projectId, key));
      },
      [renameFields('queryStringParameters', LIST_QUERY_ALIASES)],
    ),
  };

  return middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(powertoolsMiddlewares())
    .use(requestLogKeys(logger))
    .use(
      errorResponse({
        logger,
        violations: VIOLATION_CONTEXT,
        describe: countedRefusals(refusalAuditor(calls)),
      }),
    )
    .use(httpHeaderNormalizer())
    .use(httpEventNormalizer())
    .use(requestGuard({ maxBodyBytes: 8 * 1024 }))
    .use(httpJsonBodyParser({ disableContentTypeError: true }))
    .use(httpUrlencodeBodyParser({ disableContentTypeError: true }))
    .use(inputShape())
    .handler(
      httpRouterHandler<HttpEvent, HttpResult>(
        routerRoutes(handlers, { endAll: handlers['POST /calls/{callSid}/terminate'], cleanupDryRun }),
      ),
    );
};

const access = createSignalWireAccess(readSignalWireConfig(), logger);
export const handler = createHttpApiHandler(
  withNativeCalls(createCallService(access, logger), access, logger),
  access,
  createCleanupDryRun(access),
);
