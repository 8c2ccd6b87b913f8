import '#commons/platform/bundle-prelude';
import { createCleanupDryRun } from '#commons/cleanup/dry-run';
import { operatorHttpChain } from '#commons/http/operator-chain';
import { readSignalWireConfig } from '#commons/platform/config';
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
) => operatorHttpChain().handler(createCleanupDryRun(access));

export const handler = createCleanupDryRunHandler(createSignalWireAccess(readSignalWireConfig(), logger));
