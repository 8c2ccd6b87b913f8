import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type {
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger } from '#commons/platform/powertools';
import { violationContextOf } from './list-query.ts';
import {
  errorResponse,
  eventObject,
  inputShape,
  lowerCaseHeaders,
  requestGuard,
  requestLogKeys,
} from './middlewares.ts';
import { TIMEOUT_EARLY_MS } from './route.ts';

type Describe = Parameters<typeof errorResponse>[0]['describe'];

/**
 * The operator API's HTTP chain, in one place for every function behind it (the operator API and the console's
 * cleanup dry run): the same body limits, media types, duplicate and reserved keys refused, and the same error
 * answers, worded for the request's route. `describe` words (and may audit) a refusal; by default `describeError`.
 */
export const operatorHttpChain = (describe?: Describe) =>
  middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(powertoolsMiddlewares())
    .use(eventObject)
    .use(requestLogKeys(logger))
    .use(errorResponse({ logger, violations: (event) => violationContextOf(event.routeKey), describe }))
    .use(lowerCaseHeaders)
    .use(httpEventNormalizer())
    .use(requestGuard({ maxBodyBytes: 8 * 1024 }))
    .use(httpJsonBodyParser({ disableContentTypeError: true }))
    .use(httpUrlencodeBodyParser({ disableContentTypeError: true }))
    .use(inputShape());
