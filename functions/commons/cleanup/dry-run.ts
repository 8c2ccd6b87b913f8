import type {
  Context,
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { httpActor } from '../calls/audit-actors.ts';
import { RequestValidationError } from '../errors.ts';
import { logger } from '../platform/powertools.ts';
import type { ComposedSignalWireAccess } from '../signalwire/access.ts';
import { parseCleanupEvent } from './policy.ts';
import { runCleanup } from './run-cleanup.ts';

/**
 * The console's cleanup dry run (`POST /console-api/cleanup/dry-run`, admin scope; the `cleanup-dry-run`
 * function, behind the operator API's HTTP chain): the scheduled cleanup's engine and policy rules on the live calls, ending nothing whatever the policy says (`dryRun` forced on), and
 * its report. Each call it would end is audited as `would-end` under the signed-in admin.
 */

/** The name a console dry run reports under (a cleanup report's `scheduleName`). */
export const CONSOLE_DRY_RUN_NAME = 'console-dry-run';
/** Leaves the API Gateway integration (29 s) time to answer. */
const TIME_BUDGET_MS = 25_000;

const answer = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** The body, parsed by the HTTP chain's JSON parser already, or as sent. */
const bodyOf = (event: HttpEvent): unknown => {
  const parsed: unknown = event.body;
  if (typeof parsed === 'object' && parsed !== null) return parsed;
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return JSON.parse(text);
};

export const createCleanupDryRun =
  (access: Pick<ComposedSignalWireAccess, 'forAccount' | 'nativeFor'>) =>
  async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    let input: ReturnType<typeof parseCleanupEvent>;
    try {
      const body = bodyOf(event) as { policy?: unknown } | null;
      const policy = body && typeof body === 'object' && !Array.isArray(body) ? body.policy : undefined;
      // The whole policy comes from the console: no schedule's default applies.
      input = parseCleanupEvent(
        {
          scheduleName: CONSOLE_DRY_RUN_NAME,
          policy: { ...(typeof policy === 'object' && policy !== null ? policy : {}), dryRun: true },
        },
        undefined,
      );
    } catch (error) {
      if (error instanceof RequestValidationError)
        return answer(400, { message: 'Invalid policy', violations: error.violations });
      return answer(400, { message: 'The body must be JSON: {"policy": {...}}' });
    }
    const started = Date.now();
    try {
      const calls = await access.forAccount(input.policy.accountSid);
      const { apis, accountSid } = input.policy;
      const native = apis.includes('calling') ? await access.nativeFor(accountSid) : undefined;
      const report = await runCleanup(calls, input.policy, {
        ...(native ? { native } : {}),
        scheduleName: CONSOLE_DRY_RUN_NAME,
        // Asked over HTTP by a signed-in admin, not by a schedule: the records say so.
        trigger: 'http',
        actor: httpActor(event, context.invokedFunctionArn),
        accountSid: calls.projectId,
        logger,
        remainingTimeMs: () => TIME_BUDGET_MS - (Date.now() - started),
      });
      return answer(200, { report });
    } catch (error) {
      logger.error('console cleanup dry run failed', { error });
      return answer(502, { message: 'The dry run could not list the calls now; try again.' });
    }
  };
