import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  type ResultField,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type {
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { type AuditEntry, insightsQuery, readAuditQuery } from '#commons/audit/query';
import type { AuditRecord } from '#commons/calls/audit';
import { sdkClientDefaults } from '#commons/platform/aws-sdk';
import { logger } from '#commons/platform/powertools';

/**
 * The console's audit search (`GET /console-api/audit`, read scope): the audit records of the stack's function
 * log groups through CloudWatch Logs Insights, newest first, filtered by call, actor, trigger and time.
 * Read-only.
 */

const POLL_MS = 500;
const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

const answer = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: HEADERS,
  body: JSON.stringify(body),
});

const entryOf = (row: ResultField[]): AuditEntry[] => {
  const message = row.find((field) => field.field === '@message')?.value;
  try {
    const line = JSON.parse(message ?? '') as { timestamp?: string; audit?: AuditRecord };
    return line.audit && typeof line.timestamp === 'string'
      ? [{ timestamp: line.timestamp, audit: line.audit }]
      : [];
  } catch {
    return [];
  }
};

/** Builds the handler over a Logs client and the log groups to search. */
export const createAuditSearchHandler =
  (client: CloudWatchLogsClient, logGroupNames: readonly string[]) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const read = readAuditQuery(event.queryStringParameters ?? {}, Date.now());
    if (!read.ok) {
      return answer(400, {
        message: 'Invalid request',
        violations: [{ field: read.field, message: read.message }],
      });
    }
    const { query } = read;
    try {
      const { queryId } = await client.send(
        new StartQueryCommand({
          logGroupNames: [...logGroupNames],
          startTime: Math.floor(query.from / 1000),
          endTime: Math.ceil(query.to / 1000),
          queryString: insightsQuery(query),
          limit: query.limit,
        }),
      );
      // Logs Insights answers within seconds; the API's 29 s integration timeout bounds the wait.
      for (let attempt = 0; attempt < 50; attempt++) {
        const results = await client.send(new GetQueryResultsCommand({ queryId }));
        if (results.status === 'Complete')
          return answer(200, { records: (results.results ?? []).flatMap(entryOf) });
        if (results.status !== 'Running' && results.status !== 'Scheduled')
          throw new Error(`the Logs Insights query ended ${results.status}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      throw new Error('the Logs Insights query did not finish in time');
    } catch (error) {
      logger.error('audit search failed', { error });
      return answer(502, { message: 'The audit records could not be searched now; try again.' });
    }
  };

/** Comma-separated names of the log groups that hold audit records (the stack sets it). */
const AUDIT_LOG_GROUPS = (process.env.AUDIT_LOG_GROUPS ?? '').split(',').filter(Boolean);
if (AUDIT_LOG_GROUPS.length === 0) throw new Error('AUDIT_LOG_GROUPS must name the log groups to search');

export const handler = createAuditSearchHandler(
  new CloudWatchLogsClient(sdkClientDefaults()),
  AUDIT_LOG_GROUPS,
);
