import '#commons/platform/bundle-prelude';
import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type {
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { type NativeAwareCallService, withNativeCalls } from '#commons/calls/native-calls';
import { createCallService } from '#commons/calls/service';
import { countedRefusals } from '#commons/http/action-metrics';
import { violationContextOf } from '#commons/http/list-query';
import {
  errorResponse,
  eventObject,
  inputShape,
  requestGuard,
  requestLogKeys,
} from '#commons/http/middlewares';
import { operatorHandlers } from '#commons/http/operator-handlers';
import { refusalAuditor, TIMEOUT_EARLY_MS } from '#commons/http/route';
import { routeKeyRouter } from '#commons/http/route-key-router';
import { routerRoutes } from '#commons/http/routes';
import { readSignalWireConfig } from '#commons/platform/config';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger } from '#commons/platform/powertools';
import { createSignalWireAccess, type ProjectKeys } from '#commons/signalwire/access';

/** The operator API: update, terminate, transfer, read and list calls over API Gateway HTTP API (payload v2). */

/**
 * Builds the handler around the call service and the credentials layer's per-project keys (list cursors are
 * sealed with them); tests and the local server pass their own.
 */
export const createHttpApiHandler = (calls: NativeAwareCallService, keys: ProjectKeys) => {
  const handlers = operatorHandlers(calls, keys);

  return middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(powertoolsMiddlewares())
    .use(eventObject)
    .use(requestLogKeys(logger))
    .use(
      errorResponse({
        logger,
        violations: (event) => violationContextOf(event.routeKey),
        describe: countedRefusals(refusalAuditor(calls)),
      }),
    )
    .use(httpHeaderNormalizer())
    .use(httpEventNormalizer())
    .use(requestGuard({ maxBodyBytes: 8 * 1024 }))
    .use(httpJsonBodyParser({ disableContentTypeError: true }))
    .use(httpUrlencodeBodyParser({ disableContentTypeError: true }))
    .use(inputShape())
    .handler(routeKeyRouter(routerRoutes(handlers, { endAll: handlers['POST /calls/{callSid}/terminate'] })));
};

const access = createSignalWireAccess(readSignalWireConfig(), logger);
export const handler = createHttpApiHandler(
  withNativeCalls(createCallService(access, logger), access, logger),
  access,
);
