import type {
  Context,
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import * as validators from '#commons/generated/validators';
import { apiOfCall, type CallApi } from '../calling/vocabulary.ts';
import { httpActor } from '../calls/audit-actors.ts';
import { CALL_UPDATE_ALIASES } from '../calls/call-update-schema.ts';
import type { NativeAwareCallService } from '../calls/native-calls.ts';
import type { CallAction, CallOutcome } from '../calls/service.ts';
import { RequestValidationError } from '../errors.ts';
import { logger } from '../platform/powertools.ts';
import type { ProjectKeys } from '../signalwire/access.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import type { CallUpdate } from '../signalwire/types.ts';
import { countApplied, countRefusal } from './action-metrics.ts';
import { CURSOR_KEY_PURPOSE } from './cursor-seal.ts';
import { LIST_QUERY_ALIASES, listAnswer, listRequestOf } from './list-query.ts';
import { bodyDefault, failureResponse, jsonResponse, renameFields } from './middlewares.ts';
import { type Route, route } from './route.ts';
import type { OperatorRouteKey } from './routes.ts';

/** The header naming the API that owns the call an answer is about (`compatibility` or `calling`). */
export const CALL_API_HEADER = 'x-call-api';

/** The project the path names (logged with every line), or undefined for the secret's default. */
const projectOf = (event: HttpEvent): string | undefined => {
  const accountSid = event.pathParameters?.accountSid;
  if (accountSid) logger.appendKeys({ accountSid });
  return accountSid;
};

/** The `api` a request names, if any (validated by the route's schema). */
const namedApi = (event: HttpEvent): CallApi | undefined =>
  event.queryStringParameters?.api as CallApi | undefined;

/**
 * A change's body may name the API that owns the call (`api`); it is moved to the query, where a read names
 * it, so that one schema checks it on every route and the rest of the body is the change alone.
 */
const apiOutOfBody = {
  before: ({ event }: { event: HttpEvent }) => {
    const body = event.body as unknown as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'api')) return;
    if (event.queryStringParameters?.api !== undefined) {
      throw new RequestValidationError([
        { field: 'api', rule: 'duplicate', message: 'api is given twice (body and query): give it once' },
      ]);
    }
    const { api, ...change } = body;
    event.queryStringParameters = { ...event.queryStringParameters, api: api as string };
    (event as { body?: unknown }).body = change;
  },
};

/**
 * The operator routes' handlers over the call service: each takes the already validated event, asks the
 * service, and shapes the answer (the call as the owning API returned it, its API in {@link CALL_API_HEADER}).
 * List cursors are sealed with the credentials layer's per-project keys.
 */
export const operatorHandlers = (
  calls: NativeAwareCallService,
  keys: ProjectKeys,
): Record<OperatorRouteKey, Route> => {
  const origin = (event: HttpEvent, context: Context) => {
    const callSid = canonicalSid(event.pathParameters?.callSid ?? '');
    logger.appendKeys({ callSid });
    const project = projectOf(event);
    const api = namedApi(event);
    return {
      trigger: 'http' as const,
      actor: httpActor(event, context.invokedFunctionArn),
      callSid,
      ...(project ? { project } : {}),
      ...(api ? { api } : {}),
    };
  };
  const answer = (event: HttpEvent, outcome: CallOutcome): HttpResult => {
    if (!outcome.ok) {
      countRefusal(outcome.error);
      return failureResponse(logger, outcome.error, outcome.cause, event.requestContext?.requestId);
    }
    countApplied(outcome.outcome);
    return jsonResponse(200, outcome.call, {
      'x-call-outcome': outcome.outcome,
      [CALL_API_HEADER]: outcome.api ?? apiOfCall(outcome.call),
    });
  };
  const act = async (event: HttpEvent, signal: AbortSignal, context: Context, action: CallAction) =>
    answer(event, await calls.apply({ ...origin(event, context), action, signal }));

  return {
    'POST /calls/{callSid}': route(
      validators.validateUpdateCallEvent,
      (event, signal, context) =>
        act(event, signal, context, { kind: 'update', update: event.body as unknown as CallUpdate }),
      [bodyDefault, renameFields('body', CALL_UPDATE_ALIASES), apiOutOfBody],
    ),
    'POST /calls/{callSid}/terminate': route(
      validators.validateTerminateCallEvent,
      (event, signal, context) => act(event, signal, context, { kind: 'terminate' }),
      [bodyDefault, apiOutOfBody],
    ),
    'POST /calls/{callSid}/transfer': route(
      validators.validateTransferCallEvent,
      async (event, signal, context) => {
        const { dest } = event.body as unknown as { dest: string };
        return answer(event, await calls.transfer({ ...origin(event, context), dest, signal }));
      },
      [bodyDefault, apiOutOfBody],
    ),
    'GET /calls/{callSid}': route(validators.validateGetCallEvent, async (event, signal) => {
      const callSid = event.pathParameters?.callSid ?? '';
      logger.appendKeys({ callSid: canonicalSid(callSid) });
      const api = namedApi(event);
      const call = await calls.get({ project: projectOf(event), callSid, signal, ...(api ? { api } : {}) });
      return jsonResponse(200, call, { [CALL_API_HEADER]: apiOfCall(call) });
    }),
    'GET /calls': route(
      validators.validateListCallsEvent,
      async (event, signal) => {
        // Checked before anything is loaded; the cursor key is the credentials layer's, never the port's.
        const pageOf = listRequestOf(event);
        const { projectId, key } = await keys.projectKey(projectOf(event), CURSOR_KEY_PURPOSE);
        const page = await calls.list({ project: projectId, signal, from: pageOf(projectId, key) });
        return jsonResponse(200, listAnswer(page, projectId, key));
      },
      [renameFields('queryStringParameters', LIST_QUERY_ALIASES)],
    ),
  };
};
