import '#commons/platform/bundle-prelude';
import { type NativeAwareCallService, withNativeCalls } from '#commons/calls/native-calls';
import { createCallService } from '#commons/calls/service';
import { countedRefusals } from '#commons/http/action-metrics';
import { operatorHttpChain } from '#commons/http/operator-chain';
import { operatorHandlers } from '#commons/http/operator-handlers';
import { refusalAuditor } from '#commons/http/route';
import { routeKeyRouter } from '#commons/http/route-key-router';
import { routerRoutes } from '#commons/http/routes';
import { readSignalWireConfig } from '#commons/platform/config';
import { logger } from '#commons/platform/powertools';
import { createSignalWireAccess, type ProjectKeys } from '#commons/signalwire/access';

/** The operator API: update, terminate, transfer, read and list calls over API Gateway HTTP API (payload v2). */

/**
 * Builds the handler around the call service and the credentials layer's per-project keys (list cursors are
 * sealed with them); tests and the local server pass their own.
 */
export const createHttpApiHandler = (calls: NativeAwareCallService, keys: ProjectKeys) => {
  const handlers = operatorHandlers(calls, keys);

  return operatorHttpChain(countedRefusals(refusalAuditor(calls))).handler(
    routeKeyRouter(routerRoutes(handlers, { endAll: handlers['POST /calls/{callSid}/terminate'] })),
  );
};

const access = createSignalWireAccess(readSignalWireConfig(), logger);
export const handler = createHttpApiHandler(
  withNativeCalls(createCallService(access, logger), access, logger),
  access,
);
