/**
 * Bench only: the required-work floor of a warm invocation (issue 22: show with a measurement what bounds a missed
 * target). The bare `node:http` request of the warm rows (bench/warm-driver.mjs `postBare`, the same code) plus
 * only the work the design's contract asks of a terminate in-process, written by hand with no library: the API
 * Gateway event read (route, path, request id, the IAM caller) and its JSON body parsed when it has one; one
 * validation (the call SID's shape, the body an object naming nothing but `api`); SignalWire's JSON answer parsed
 * and checked (the call asked about); one audit line (the project's fields: the Lambda context, the request's log
 * keys, the record with its actor) and one EMF line (one count) written to stdout, each built as an object and
 * serialised with `JSON.stringify`; the call serialised as the answer's body. Left out as no part of that list:
 * middy and Powertools (the design keeps them: the design floor, bench/warm-design-floor.ts, measures them used
 * plainly), the deadline and the early timeout, retries but the one resend on a socket the server closed while
 * idle (as the design floor has it), the secret's reads and their cache's expiry (the credentials come from its
 * environment, `BENCH_LAYER_*`, as bench/warm-layers-entry.ts takes them), any other route, refusals' wording.
 * Bundled as the design floor is (bench/build.ts `requiredWorkBundle`), invoked by bench/warm-driver.mjs as it
 * invokes http-api.
 */
import http from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

const origin = process.env.BENCH_LAYER_ORIGIN ?? '';
const project = process.env.BENCH_LAYER_PROJECT ?? '';
const authorization = process.env.BENCH_LAYER_AUTHORIZATION ?? '';
const service = process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control';
const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'SignalWireCallControl';
const agent = new http.Agent({ keepAlive: true });
let coldStart = true;

/** A call SID as SignalWire makes them (a UUID). */
const SID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The bare arm's request (bench/warm-driver.mjs `postBare`), with the one resend on a reused socket the server
 * closed while it was idle (the design floor's: callgrind's slowness meets it often).
 */
const post = (url: string, body: string, retry = true): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const headers = {
      authorization,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
    };
    const request = http.request(new URL(url), { method: 'POST', headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (retry && request.reusedSocket && error.code === 'ECONNRESET') resolve(post(url, body, false));
      else reject(error);
    });
    request.end(body);
  });

const answer = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

const refused = (message: string) => answer(400, { error: { code: 'VALIDATION_FAILED', message } });

/** The request's one validation: the call SID's shape, and a body (when there is one) that names only `api`. */
const invalid = (callSid: string, body: unknown): string | undefined => {
  if (!SID.test(callSid)) return 'callSid must be a call SID';
  if (body === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  for (const key of Object.keys(body)) {
    const value = (body as Record<string, unknown>)[key];
    if (key !== 'api' || (value !== 'compatibility' && value !== 'calling')) return `${key} is not allowed`;
  }
  return undefined;
};

/** The JSON body, parsed once (`{ body: undefined }` without one); `undefined` when it is not JSON. */
const bodyOf = (event: APIGatewayProxyEventV2): { body: unknown } | undefined => {
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body;
  if (!text) return { body: undefined };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
};

/** Who asked, as the audit record keeps it: the IAM caller API Gateway's authorizer checked. */
const actorOf = (event: APIGatewayProxyEventV2, context: Context) => {
  const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string; accountId?: string } } })
    .authorizer?.iam;
  const principal = iam?.userArn ?? 'unknown';
  return {
    name: principal,
    attested: { invokedAs: context.invokedFunctionArn },
    claimed: { principal, accountId: iam?.accountId ?? '' },
  };
};

/** One line to stdout, as the function's logger and metrics write theirs. */
const line = (fields: unknown): void => {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
};

export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  const cold = coldStart;
  coldStart = false;
  if (event.routeKey !== 'POST /calls/{callSid}/terminate') return answer(404, { error: 'no such route' });
  const callSid = event.pathParameters?.callSid ?? '';
  const parsed = bodyOf(event);
  const why = parsed ? invalid(callSid, parsed.body) : 'body is not valid JSON';
  if (why) return refused(why);
  const apiRequestId = event.requestContext.requestId;

  const sent = await post(
    `${origin}/api/laml/2010-04-01/Accounts/${project}/Calls/${callSid}.json`,
    'Status=completed',
  );
  const call = JSON.parse(sent.text) as { sid?: unknown; status?: unknown };
  const ended = sent.status === 200 && call.sid === callSid && typeof call.status === 'string';
  const trace = process.env._X_AMZN_TRACE_ID;
  line({
    level: 'INFO',
    message: 'call-control audit',
    timestamp: new Date().toISOString(),
    service,
    cold_start: cold,
    function_arn: context.invokedFunctionArn,
    function_memory_size: context.memoryLimitInMB,
    function_name: context.functionName,
    function_request_id: context.awsRequestId,
    sampling_rate: 0,
    ...(trace ? { xray_trace_id: trace.split(';')[0]?.replace('Root=', '') } : {}),
    apiRequestId,
    callSid,
    audit: {
      trigger: 'http',
      actor: actorOf(event, context),
      accountSid: project,
      callSid,
      change: { Status: 'completed' },
      outcome: ended ? 'updated' : 'failed',
      reason: ended ? 'applied' : `SignalWire answered ${sent.status}`,
      ...(ended ? { resultingStatus: call.status } : {}),
    },
  });
  const metric = ended ? 'CallsUpdated' : 'CallActionsFailed';
  line({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        { Namespace: namespace, Dimensions: [['service']], Metrics: [{ Name: metric, Unit: 'Count' }] },
      ],
    },
    service,
    [metric]: 1,
  });
  return ended
    ? answer(200, call, { 'x-call-outcome': 'updated', 'x-call-api': 'compatibility' })
    : answer(502, { error: { code: 'SIGNALWIRE_ERROR', message: `SignalWire answered ${sent.status}` } });
};
