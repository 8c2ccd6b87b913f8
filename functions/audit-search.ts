import '#commons/platform/bundle-prelude';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type {
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { entryOf, runQuery } from '#commons/audit/insights';
import { insightsQuery, readAuditQuery, readCleanupRunsQuery } from '#commons/audit/query';
import { CLEANUP_REPORT_MESSAGE } from '#commons/calls/audit';
import type { FieldViolation } from '#commons/errors';
import { CLEANUP_RUNS_ROUTE } from '#commons/http/routes';
import { sdkClientDefaults } from '#commons/platform/aws-sdk';
import { logger } from '#commons/platform/powertools';

/**
 * The console's audit search (`GET /console-api/audit`, read scope): the audit records of the stack's function
 * log groups through CloudWatch Logs Insights, newest first, filtered by call, actor, trigger and time.
 * Read-only.
 */

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

const answer = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: HEADERS,
  body: JSON.stringify(body),
});

/** A refused query string: 400 naming the field and rule, nothing searched. */
const invalid = ({ field, rule, message }: FieldViolation): HttpResult =>
  answer(400, { message: 'Invalid request', violations: [{ field, rule, message }] });

/**
 * The last cleanup reports of the past week (`GET /console-api/cleanup/runs`), newest first: 20, or `limit` (1 to
 * 100); any other query parameter is refused by name, as the audit search refuses its unknown filters.
 */
const lastCleanupRuns = async (
  client: CloudWatchLogsClient,
  logGroupNames: readonly string[],
  event: HttpEvent,
): Promise<HttpResult> => {
  const read = readCleanupRunsQuery(event.queryStringParameters ?? {}, event.rawQueryString);
  if (!read.ok) return invalid(read);
  const { limit } = read.query;
  try {
    const now = Date.now();
    const query = [
      'fields @timestamp, @message',
      `| filter message = ${JSON.stringify(CLEANUP_REPORT_MESSAGE)}`,
      '| sort @timestamp desc',
      `| limit ${limit}`,
    ].join('\n');
    const rows = await runQuery(client, logGroupNames, query, now - 7 * 86_400_000, now, limit);
    const runs = rows.flatMap((row) => {
      try {
        const line = JSON.parse(row.find((field) => field.field === '@message')?.value ?? '') as {
          timestamp?: string;
          report?: unknown;
        };
        return line.report ? [{ timestamp: line.timestamp, report: line.report }] : [];
      } catch {
        return [];
      }
    });
    return answer(200, { runs });
  } catch (error) {
    logger.error('cleanup runs search failed', { error });
    return answer(502, { message: 'The cleanup reports could not be searched now; try again.' });
  }
};

/** Builds the handler over a Logs client and the log groups to search. */
export const createAuditSearchHandler =
  (client: CloudWatchLogsClient, logGroupNames: readonly string[]) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    if (event.rawPath?.endsWith(CLEANUP_RUNS_ROUTE.path))
      return lastCleanupRuns(client, logGroupNames, event);
    const read = readAuditQuery(event.queryStringParameters ?? {}, Date.now(), event.rawQueryString);
    if (!read.ok) return invalid(read);
    const { query } = read;
    try {
      const rows = await runQuery(
        client,
        logGroupNames,
        insightsQuery(query),
        query.from,
        query.to,
        query.limit,
      );
      return answer(200, { records: rows.flatMap(entryOf) });
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
