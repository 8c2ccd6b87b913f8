import '#commons/platform/bundle-prelude';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readStatusCallbackConfig } from '#commons/events/config';
import { CALL_STATUS_CHANGED } from '#commons/events/contracts';
import { EventBridgePublisher, type EventPublisher } from '#commons/events/publisher';
import {
  errorResponse,
  eventObject,
  jsonResponse,
  requestGuard,
  requestLogKeys,
} from '#commons/http/middlewares';
import { STATUS_CALLBACK_ROUTE } from '#commons/http/routes';
import { readSignalWireConfig } from '#commons/platform/config';
import { STATUS_CALLBACKS_REJECTED_METRIC } from '#commons/platform/metric-names';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger, metrics } from '#commons/platform/powertools';
import { createSignalWireAccess } from '#commons/signalwire/access';
import {
  type CallbackReplays,
  callbackMaxAge,
  createCallbackReplays,
  isStaleCallback,
} from '#commons/status-callbacks/callback-replays';
import { keepReceivedBody, readCallback } from '#commons/status-callbacks/callbacks';
import { publicUrlOf } from '#commons/status-callbacks/signature';
import { isSignedBy, SigningKeys } from '#commons/status-callbacks/signing-keys';

/**
 * SignalWire's status callbacks in, "Call Status Changed" events out. The route is public: the signature is
 * its authentication. It is checked over the public URL (see `publicUrlOf`) and the form parameters (a
 * Compatibility call's callback) or the raw JSON body (a native call's `status_url`/`call_state_url`, whose
 * scheme `native-callback.ts` grounds in SignalWire's SDKs) with the project's Signing Key from the secret;
 * a missing or wrong signature gets 403 and publishes nothing. The signature covers the body as received
 * (`keepReceivedBody`, before the guard reads past a byte order mark). A verified callback is published as is (both `answered` and `in-progress` may arrive for one
 * call; `callStatus` says which, `status` normalises both to `in-progress`) and answered 204; the same signed
 * callback again within the replay window is answered 204 and not published again, and so is one whose signed
 * `Timestamp` is older than the window (its replay record may be gone: `callbackMaxAge`). Callbacks come as POST
 * (form body, or JSON for a native call) or GET (query string), as `StatusCallbackMethod` asks.
 */

type HttpEvent = APIGatewayProxyEventV2;
type HttpResult = APIGatewayProxyStructuredResultV2;

export interface StatusCallbackDependencies {
  /** The projects' Signing Keys, from the SignalWire secret. */
  signingKeys: SigningKeys;
  /** Where "Call Status Changed" goes. */
  publisher: EventPublisher;
  /** Remembers accepted callbacks, so a replay is not published again. */
  replays: CallbackReplays;
  /** @see PublicUrlOptions.publicBaseUrl */
  publicBaseUrl?: string | undefined;
  /** @default () => new Date() */
  now?: () => Date;
}

/** As API Gateway words its own 403: nothing about why, to a caller that could not prove who it is. */
const forbidden = (): HttpResult => jsonResponse(403, { message: 'Forbidden' });

/** Builds the handler around its ports; tests and the local stack pass their own. */
export const createStatusCallbackHandler = (deps: StatusCallbackDependencies) => {
  const now = deps.now ?? (() => new Date());
  const maxAge = callbackMaxAge(deps.replays.windowSeconds);

  return middy<HttpEvent, HttpResult>()
    .use(powertoolsMiddlewares())
    .use(eventObject)
    .use(requestLogKeys(logger))
    .use(errorResponse({ logger }))
    .use(httpHeaderNormalizer())
    .use(keepReceivedBody())
    .use(requestGuard({ maxBodyBytes: 64 * 1024 }))
    .handler(async (event, context) => {
      const url = publicUrlOf(event, {
        publicBaseUrl: deps.publicBaseUrl,
        routePath: STATUS_CALLBACK_ROUTE.path,
      });
      const callback = readCallback(event, url);
      if (!(await isSignedBy(deps.signingKeys, event.headers, callback.accountSid, callback.verify))) {
        logger.warn('status callback refused: missing or invalid signature', {
          sourceIp: event.requestContext.http.sourceIp,
        });
        metrics.addMetric(STATUS_CALLBACKS_REJECTED_METRIC, MetricUnit.Count, 1);
        return forbidden();
      }
      const receivedAt = now();
      const detail = callback.detail(receivedAt);
      logger.appendKeys({ callSid: detail.callSid, accountSid: detail.accountSid, api: detail.api });
      // Signed, so SignalWire's: a replay of a captured callback once its replay record may have expired.
      if (isStaleCallback(detail.timestamp, receivedAt, maxAge)) {
        logger.warn('status callback older than the replay window; acknowledged, not published', {
          callStatus: detail.callStatus,
          callbackTimestamp: detail.timestamp,
          maxAgeSeconds: maxAge.maxAgeSeconds,
        });
        metrics.addMetric('StatusCallbacksReplayed', MetricUnit.Count, 1);
        return { statusCode: 204 };
      }
      const accepted = await deps.replays.acceptOnce({ url, params: callback.signed }, context, () =>
        deps.publisher.publish(CALL_STATUS_CHANGED, detail),
      );
      if (accepted.replayed) {
        logger.info('status callback already accepted within the replay window; not published again', {
          callStatus: detail.callStatus,
        });
        metrics.addMetric('StatusCallbacksReplayed', MetricUnit.Count, 1);
        return { statusCode: 204 };
      }
      logger.info('call status published', { callStatus: detail.callStatus, eventId: accepted.eventId });
      metrics.addMetric('CallStatusesPublished', MetricUnit.Count, 1);
      return { statusCode: 204 };
    });
};

const signalWireConfig = readSignalWireConfig();
const config = readStatusCallbackConfig();

export const handler = createStatusCallbackHandler({
  signingKeys: new SigningKeys(createSignalWireAccess(signalWireConfig).credentials),
  publisher: new EventBridgePublisher({ eventBusName: config.eventBusName, source: config.eventSource }),
  replays: createCallbackReplays({
    tableName: config.idempotencyTableName,
    windowSeconds: config.replayWindowSeconds,
  }),
  publicBaseUrl: config.publicBaseUrl,
});
