/**
 * Runs the real event function (its module-level handler, configured from the environment the local stack set)
 * once, in a process of its own, so that a test can kill it mid-request: a crash, which no in-process promise
 * can stand for. Arguments: the event as JSON, the invocation's timeout in ms.
 */
import { createLambdaContext } from '#local/lambda-context';

const [eventJson = '{}', timeoutMs = '3000'] = process.argv.slice(2);
const { handler } = await import('../../functions/call-update-events.ts');
await handler(
  JSON.parse(eventJson),
  createLambdaContext({ functionName: 'crashing-invocation', timeoutMs: Number(timeoutMs) }),
);
