/**
 * Bench only: the required-work floor of a warm invocation (issue 22: show with a measurement what bounds a missed
 * target). The bare `node:http` request of the warm rows (bench/warm-driver.mjs `postBare`, the same code) plus
 * only the work the design's contract (README's HTTP API, retry table and secret) asks of a terminate in-process,
 * written by hand with no library: the API Gateway event read (route, path, request id, the IAM caller) and its JSON
 * body parsed when it has one; one validation (the call SID's shape, the body an object naming nothing but `api`);
 * the credentials from a cache that expires after `SECRET_CACHE_TTL_SECONDS`; one timer per request that gives up
 * at `SIGNALWIRE_TIMEOUT_MS` or 1 s before the function's timeout, whichever comes first; SignalWire's JSON answer
 * (past a byte order mark) checked as a usable Call (an object, the call asked about, a string `status`, no deeper
 * than 16 levels); one audit line (the project's fields: the Lambda context, the request's log keys, the record
 * with its actor) and one EMF line (one count) written to stdout, each built as an object and serialised with
 * `JSON.stringify`; the call serialised as the answer's body. Left out: middy and Powertools (the design keeps
 * them: the design floor, bench/warm-design-floor.ts, measures them used plainly); what this path never runs (the
 * retries but the one resend on a socket the server closed while idle, as the design floor has it; the 401
 * re-read; the redaction of error text; any other route; refusals' wording); and the secret's read from Secrets
 * Manager when the cache is empty or expired (its fields come from the environment, `BENCH_LAYER_*`, as
 * bench/warm-layers-entry.ts takes them: the warm path reads the cache). Bundled as the design floor is
 * (bench/build.ts `requiredWorkBundle`), invoked by bench/warm-driver.mjs as it invokes http-api.
 */
import http from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

const secretTtlMs = Number(process.env.SECRET_CACHE_TTL_SECONDS ?? 300) * 1000;
const timeoutMs = Number(process.env.SIGNALWIRE_TIMEOUT_MS ?? 5000);
const service = process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control';
const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'SignalWireCallControl';
const agent = new http.Agent({ keepAlive: true });
let coldStart = true;

/** The secret's fields as the function keeps them, and when the cache stops serving them. */
let secret: { origin: string; project: string; authorization: string; expires: number } | undefined;

/** The credentials from the cache; read again (here, from the environment) once it has expired. */
const credentials = () => {
  const now = Date.now();
  if (secret === undefined || now >= secret.expires) {
    const project = process.env.BENCH_LAYER_PROJECT ?? '';
    const authorization = process.env.BENCH_LAYER_AUTHORIZATION ?? '';
    secret = {
      origin: process.env.BENCH_LAYER_ORIGIN ?? '',
      project,
      authorization,
      expires: now + secretTtlMs,
    };
  }
  return secret;
};

/** A call SID as SignalWire makes them (a UUID). */
const SID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The bare arm's request (bench/warm-driver.mjs `postBare`), with the one resend on a reused socket the server
 * closed while it was idle (the design floor's: callgrind's slowness meets it often).
 */
const post = (
  url: string,
  authorization: string,
  body: string,
  giveUpIn: number,
  retry = true,
): Promise<{ status: number; text: string }> =>
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
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(new Error('SignalWire did not answer in time')), giveUpIn);
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (retry && request.reusedSocket && error.code === 'ECONNRESET')
        resolve(post(url, authorization, body, giveUpIn, false));
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

/** Whether a parsed value nests deeper than `limit` levels (itself one). */
const deeper = (value: unknown, limit: number): boolean => {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  for (const key in value) if (deeper((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
};

/** The Call in SignalWire's 2xx answer when it is a usable one (the call asked about), else undefined. */
const usableCall = (text: string, callSid: string): { sid: string; status: string } | undefined => {
  let call: unknown;
  try {
    call = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return undefined;
  }
  if (typeof call !== 'object' || call === null || Array.isArray(call)) return undefined;
  const { sid, status } = call as { sid?: unknown; status?: unknown };
  if (typeof sid !== 'string' || sid.toLowerCase() !== callSid.toLowerCase() || typeof status !== 'string')
    return undefined;
  return deeper(call, 16) ? undefined : (call as { sid: string; status: string });
};

/** Why the call was not ended, from SignalWire's status (0: no answer). */
const why502 = (status: number): string =>
  status === 200 ? 'SignalWire answered 200 without a usable Call' : `SignalWire answered ${status}`;

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

  const { origin, project, authorization } = credentials();
  const giveUpIn = Math.min(timeoutMs, context.getRemainingTimeInMillis() - 1000);
  let sent: { status: number; text: string };
  try {
    sent = await post(
      `${origin}/api/laml/2010-04-01/Accounts/${project}/Calls/${callSid}.json`,
      authorization,
      'Status=completed',
      giveUpIn,
    );
  } catch (error) {
    sent = { status: 0, text: (error as Error).message };
  }
  const call = sent.status === 200 ? usableCall(sent.text, callSid) : undefined;
  const ended = call !== undefined;
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
      reason: ended ? 'applied' : why502(sent.status),
      ...(call ? { resultingStatus: call.status } : {}),
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
  return call
    ? answer(200, call, { 'x-call-outcome': 'updated', 'x-call-api': 'compatibility' })
    : answer(502, { error: { code: 'SIGNALWIRE_ERROR', message: why502(sent.status) } });
};
