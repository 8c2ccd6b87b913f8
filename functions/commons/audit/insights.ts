import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  type ResultField,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { AuditRecord } from '../calls/audit.ts';
import type { AuditEntry } from './query.ts';

/** Logs Insights, as the console's searches use it: start a query, wait for its rows. */

const POLL_MS = 500;

/** Runs a Logs Insights query to its end and returns each row's `@message`, parsed. */
export const runQuery = async (
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

/** An audit line's record and time, or nothing for any other line. */
export const entryOf = (row: ResultField[]): AuditEntry[] => {
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
