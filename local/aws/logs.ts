import { randomUUID } from 'node:crypto';
import { AwsServiceError, type JsonObject } from './protocol.ts';

/** The `x-amz-target` prefix of CloudWatch Logs' JSON 1.1 operations. */
export const LOGS_PREFIX = 'Logs_20140328.';

/** CloudWatch Logs: `FilterLogEvents`, and `StartQuery` / `GetQueryResults` over a Logs Insights subset. */
export class LocalLogs {
  readonly #logs = new Map<string, Array<{ eventId: string; timestamp: number; message: string }>>();
  readonly #queries = new Map<string, unknown>();

  putLogEvent(logGroup: string, message: string, timestamp = Date.now()): void {
    const events = this.#logs.get(logGroup) ?? [];
    events.push({ eventId: randomUUID(), timestamp, message });
    this.#logs.set(logGroup, events);
  }

  /** Answers one operation (the `x-amz-target` without {@link LOGS_PREFIX}); throws AWS errors. */
  handle(operation: string, body: JsonObject): unknown {
    switch (operation) {
      case 'FilterLogEvents':
        return this.#filterLogEvents(body);
      case 'StartQuery': {
        const queryId = randomUUID();
        this.#queries.set(queryId, this.#runQuery(body));
        return { queryId };
      }
      case 'GetQueryResults': {
        const results = this.#queries.get(String(body.queryId ?? ''));
        if (!results) throw new AwsServiceError('ResourceNotFoundException', 'Query does not exist', 400);
        return { status: 'Complete', results, statistics: {} };
      }
      default:
        throw new AwsServiceError(
          'UnknownOperationException',
          `Unsupported operation: ${LOGS_PREFIX}${operation}`,
        );
    }
  }

  /**
   * A Logs Insights query, with the subset of the language the project's queries use: `filter f = "v"`,
   * `filter f like "v"` (substring), `filter f like /re/`, `sort @timestamp desc|asc`, `limit n`, over the
   * JSON log lines of the named groups in the time window (seconds). Rows carry `@timestamp` and `@message`.
   */
  #runQuery(body: Record<string, unknown>): unknown {
    const groups = Array.isArray(body.logGroupNames) ? body.logGroupNames.map(String) : [];
    const from = Number(body.startTime ?? 0) * 1000;
    const to = Number(body.endTime ?? Number.MAX_SAFE_INTEGER / 1000) * 1000;
    let rows = groups
      .flatMap((group) => this.#logs.get(group) ?? [])
      .filter((event) => event.timestamp >= from && event.timestamp <= to);
    let limit = Number(body.limit ?? 1000);
    const read = (message: string, field: string): unknown => {
      try {
        return field
          .split('.')
          .reduce<unknown>(
            (value, key) =>
              typeof value === 'object' && value !== null
                ? (value as Record<string, unknown>)[key]
                : undefined,
            JSON.parse(message),
          );
      } catch {
        return undefined;
      }
    };
    for (const command of String(body.queryString ?? '')
      .split('|')
      .map((part) => part.trim())) {
      const equals = /^filter\s+([\w.@]+)\s*=\s*"((?:[^"\\]|\\.)*)"$/.exec(command);
      const like = /^filter\s+([\w.@]+)\s+like\s+(?:"((?:[^"\\]|\\.)*)"|\/(.*)\/)$/.exec(command);
      const sort = /^sort\s+@timestamp\s+(asc|desc)$/.exec(command);
      const limited = /^limit\s+(\d+)$/.exec(command);
      if (equals) {
        const value = JSON.parse(`"${equals[2]}"`) as string;
        rows = rows.filter((event) => read(event.message, equals[1]!) === value);
      } else if (like) {
        const pattern = like[2] !== undefined ? (JSON.parse(`"${like[2]}"`) as string) : new RegExp(like[3]!);
        rows = rows.filter((event) => {
          const value = String(read(event.message, like[1]!) ?? '');
          return typeof pattern === 'string' ? value.includes(pattern) : pattern.test(value);
        });
      } else if (sort) {
        rows = [...rows].sort((a, b) =>
          sort[1] === 'asc' ? a.timestamp - b.timestamp : b.timestamp - a.timestamp,
        );
      } else if (limited) {
        limit = Math.min(limit, Number(limited[1]));
      } else if (!/^fields\b/.test(command)) {
        throw new AwsServiceError('MalformedQueryException', `LocalAws cannot run "${command}"`, 400);
      }
    }
    return rows.slice(0, limit).map((event) => [
      {
        field: '@timestamp',
        value: new Date(event.timestamp).toISOString().replace('T', ' ').replace('Z', ''),
      },
      { field: '@message', value: event.message },
    ]);
  }

  /** `FilterLogEvents` with a time window and a quoted-term pattern (`"text"`: lines containing it). */
  #filterLogEvents(body: Record<string, unknown>): unknown {
    const group = String(body.logGroupName ?? '');
    const startTime = typeof body.startTime === 'number' ? body.startTime : 0;
    const term = /^"(.*)"$/.exec(String(body.filterPattern ?? '').trim())?.[1];
    const events = (this.#logs.get(group) ?? []).filter(
      (event) => event.timestamp >= startTime && (term === undefined || event.message.includes(term)),
    );
    return {
      events: events.map((event) => ({ ...event, logStreamName: 'local', ingestionTime: event.timestamp })),
      searchedLogStreams: [{ logStreamName: 'local', searchedCompletely: true }],
    };
  }
}
