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
import { type AuditRecord, CLEANUP_REPORT_MESSAGE } from '#commons/calls/audit';
import { CLEANUP_RUNS_ROUTE } from '#commons/http/routes';
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

/** Runs a Logs Insights query to its end and returns each row's `@message`, parsed. */
const runQuery = async (
  client: CloudWatchLogsClient,
  logGroupNames: readonly string[],
  queryString: string,
  from: number,
  to: number,
  limit: number,
): Promise<ResultField[][]> => {
  const { queryId } = await client.send(
    new StartQueryCommand({
      logGroupNames: [...logGroupNames],
      startTime: Math.floor(from / 1000),
      endTime: Math.ceil(to / 1000),
      queryString,
      limit,
    }),
  );
  // Logs Insights answers within seconds; the API's 29 s integration timeout bounds the wait.
  for (let attempt = 0; attempt < 50; attempt++) {
    const results = await client.send(new GetQueryResultsCommand({ queryId }));
    if (results.status === 'Complete') return results.results ?? [];
    if (results.status !== 'Running' && results.status !== 'Scheduled')
      throw new Error(`the Logs Insights query ended ${results.status}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error('the Logs Insights query did not finish in time');
};

/** The last 20 cleanup reports of the past week (`GET /console-api/cleanup/runs`), newest first. */
const lastCleanupRuns = async (
  client: CloudWatchLogsClient,
  logGroupNames: readonly string[],
): Promise<HttpResult> => {
  try {
    const now = Date.now();
    const query = [
      'fields @timestamp, @message',
      `| filter message = ${JSON.stringify(CLEANUP_REPORT_MESSAGE)}`,
      '| sort @timestamp desc',
      '| limit 20',
    ].join('\n');
    const rows = await runQuery(client, logGroupNames, query, now - 7 * 86_400_000, now, 20);
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
    if (event.rawPath?.endsWith(CLEANUP_RUNS_ROUTE.path)) return lastCleanupRuns(client, logGroupNames);
    const read = readAuditQuery(event.queryStringParameters ?? {}, Date.now());
    if (!read.ok) {
      return answer(400, {
        message: 'Invalid request',
        violations: [{ field: read.field, message: read.message }],
      });
    }
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
