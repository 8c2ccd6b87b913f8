/**
 * Bench only: the design floor of a warm invocation (issue 22: show with a measurement what bounds a missed
 * target). The brief asks for handlers wrapped in middy that validate every request and call SignalWire with
 * credentials read from Secrets Manager through `@aws-sdk/client-secrets-manager`; the design keeps Powertools
 * Logger (structured lines with the Lambda context) and Metrics (EMF), and one audit line per action. This is the
 * smallest handler of that written plainly with those libraries, as their documentation shows them, none of this
 * project's code. It is no lower bound: Powertools builds both of its lines here its own way, and this project's
 * own subclasses of the same Logger and Metrics (functions/commons/platform/audit-logger.ts, emf-metrics.ts)
 * write the same two lines for less (counted with callgrind on 2026-12-07, in isolation, bundled without this
 * project's aliases, the same record: `addContext`, one audit line and a one-metric EMF flush took 235 k
 * instructions per invocation through Powertools' Logger and Metrics, 65 k through this project's subclasses;
 * the warm target's whole budget, 0.3 of the bare request's 604 k, is 181 k). It holds: middy (no early-timeout
 * timer) with one check of the request (the call SID's shape, no body), Powertools' own `injectLambdaContext` and one info line, Powertools'
 * own `logMetrics` with one metric flushed, the credentials from a module-level cache after the first read
 * through the Secrets Manager client (no expiry), and the same keep-alive `node:http` POST the bare arm of the
 * warm rows sends (bench/warm-driver.mjs `postBare`: form-encoded, Basic auth, the JSON answer parsed). Bundled
 * as a user would bundle it (bench/build.ts `designFloorBundle`), invoked by bench/warm-driver.mjs as it invokes
 * http-api.
 * Counted with callgrind on 2026-12-07 (`npx tsx bench/warm-instructions.ts floor bare project --runs 3`, 300
 * invocations a window): the floor 1,073 k instructions per warm invocation (runs 1,073 k, 1,074 k, 1,039 k), the
 * bare `node:http` request 604 k (all three), this checkout's http-api 1,023 k and 1,091 k: the libraries used
 * plainly cost 1.7x the bare request's instructions, as many as the whole project handler, which does more with
 * them but writes its two lines leaner.
 */
import http from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const logger = new Logger();
const metrics = new Metrics();
const secrets = new SecretsManagerClient({});
const agent = new http.Agent({ keepAlive: true });

interface Credentials {
  projectId: string;
  apiToken: string;
  spaceUrl: string;
  authorization: string;
}

let credentials: Promise<Credentials> | undefined;

const readCredentials = async (): Promise<Credentials> => {
  const secret = await secrets.send(
    new GetSecretValueCommand({ SecretId: process.env.SIGNALWIRE_SECRET_ID }),
  );
  const { projectId, apiToken, spaceUrl } = JSON.parse(secret.SecretString ?? '{}') as Record<string, string>;
  if (!projectId || !apiToken || !spaceUrl) throw new Error('the SignalWire secret lacks a field');
  const authorization = `Basic ${Buffer.from(`${projectId}:${apiToken}`).toString('base64')}`;
  return { projectId, apiToken, spaceUrl, authorization };
};

/** A call SID as SignalWire makes them (a UUID). */
const SID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One POST on the keep-alive agent. A request on a reused socket that the server closed while it was idle fails
 * with ECONNRESET before anything was sent: it is sent once more, as Node's documentation of `reusedSocket` shows
 * (SignalWire's idle timeout, and the emulator's, closes such sockets; callgrind's slowness meets it often).
 */
const post = (
  url: string,
  authorization: string,
  body: string,
  retry = true,
): Promise<{ status: number; call: unknown }> =>
  new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, call: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (retry && request.reusedSocket && error.code === 'ECONNRESET') {
        resolve(post(url, authorization, body, false));
      } else reject(error);
    });
    request.end(body);
  });

const answer = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const terminate = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const callSid = event.pathParameters?.callSid ?? '';
  credentials ??= readCredentials();
  const { spaceUrl, projectId, authorization } = await credentials;
  const { status, call } = await post(
    `${spaceUrl}/api/laml/2010-04-01/Accounts/${projectId}/Calls/${callSid}.json`,
    authorization,
    'Status=completed',
  );
  const ended = status === 200 && (call as { status?: unknown }).status === 'completed';
  logger.info('audit', { audit: { action: 'terminate', callSid, outcome: ended ? 'updated' : 'failed' } });
  metrics.addMetric(ended ? 'CallsEnded' : 'CallsFailed', MetricUnit.Count, 1);
  return ended ? answer(200, { callSid, status: 'completed' }) : answer(502, { error: 'not ended' });
};

/** The request's one check: a call SID in the path, no body. */
const validate: middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
  before: (request) => {
    const { pathParameters, body } = request.event;
    if (!SID.test(pathParameters?.callSid ?? '') || (body !== undefined && body !== '')) {
      return answer(400, { error: 'callSid must be a call SID and the body empty' });
    }
    return undefined;
  },
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>({
  timeoutEarlyInMillis: 0,
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(validate)
  .handler(terminate);
