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
import { createCleanupDryRun } from '#commons/cleanup/dry-run';
import { violationContextOf } from '#commons/http/list-query';
import {
  errorResponse,
  eventObject,
  inputShape,
  requestGuard,
  requestLogKeys,
} from '#commons/http/middlewares';
import { TIMEOUT_EARLY_MS } from '#commons/http/route';
import { readSignalWireConfig } from '#commons/platform/config';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger } from '#commons/platform/powertools';
import { type ComposedSignalWireAccess, createSignalWireAccess } from '#commons/signalwire/access';

/**
 * The console's cleanup dry run (`POST /console-api/cleanup/dry-run`, admin scope, behind the JWT authorizer): a
 * function of its own, so the operator API does not carry the cleanup engine on its cold start, and the scheduled
 * cleanup (one run at a time) never throttles it or is throttled by it. The HTTP chain is the operator API's:
 * the same body limits, media types, duplicate and reserved keys refused, and the same error answers.
 */
export const createCleanupDryRunHandler = (
  access: Pick<ComposedSignalWireAccess, 'forAccount' | 'nativeFor'>,
) =>
  middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(powertoolsMiddlewares())
    .use(eventObject)
    .use(requestLogKeys(logger))
    .use(errorResponse({ logger, violations: (event) => violationContextOf(event.routeKey) }))
    .use(httpHeaderNormalizer())
    .use(httpEventNormalizer())
    .use(requestGuard({ maxBodyBytes: 8 * 1024 }))
    .use(httpJsonBodyParser({ disableContentTypeError: true }))
    .use(httpUrlencodeBodyParser({ disableContentTypeError: true }))
    .use(inputShape())
    .handler(createCleanupDryRun(access));

export const handler = createCleanupDryRunHandler(createSignalWireAccess(readSignalWireConfig(), logger));
