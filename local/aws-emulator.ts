import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { EventBridgeEvent } from 'aws-lambda';

/** The event EventBridge delivers to a rule target. */
export type EventBridgeEnvelope = EventBridgeEvent<string, Record<string, unknown>> & { version: '0' };

/** One `PutEvents` request entry, as the SDK puts it on the wire. */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  /** Epoch seconds: the SDK serialises `Date` that way in JSON 1.1. */
  Time?: number;
  TraceHeader?: string;
}

/** An entry `PutEvents` accepted, with the envelope EventBridge built from it. */
export interface PublishedEvent {
  entry: PutEventsEntry;
  /** Bus name, reduced from an ARN when the entry named the bus by ARN. */
  eventBusName: string;
  envelope: EventBridgeEnvelope;
  receivedAt: number;
}

/** Which events a rule routes to its target; a missing list matches any value. */
export interface LocalRule {
  name: string;
  /** @default 'default' */
  eventBusName?: string;
  source?: string[];
  detailType?: string[];
}

/** A fault answered instead of the next Secrets Manager request(s). */
export type SecretsManagerFault =
  | { kind: 'error'; type: string; status: number; message?: string; times?: number }
  | { kind: 'drop'; times?: number };

/** Options for {@link LocalAws.start}. */
export interface LocalAwsOptions {
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** @default 'us-east-1' */
  region?: string;
  /** @default '123456789012' */
  accountId?: string;
  /**
   * Who STS `GetCallerIdentity` says the caller is (every caller: the stand-in checks no keys).
   * @default `arn:aws:iam::<accountId>:user/local-developer`
   */
  callerArn?: string;
  /**
   * Told of every event a rule matched but could not deliver (its target failed). EventBridge would retry
   * and then drop it, or send it to the rule's dead-letter queue; here it is recorded in `undeliverable` too.
   * @default writes one line to stderr (rule, event id, detail-type, reason; never the event's detail)
   */
  onUndeliverable?: (report: UndeliverableEvent) => void;
  /** Serve https with this key and certificate instead of http (the benchmark's TLS rows). @default http */
  tls?: { key: string; cert: string };
}

/** An event a rule matched and could not deliver to its target. */
export interface UndeliverableEvent {
  rule: string;
  eventId: string;
  detailType: string;
  /** What the target threw, in words. */
  reason: string;
  error: unknown;
}

interface StoredSecret {
  name: string;
  arn: string;
  versionId: string;
  secretString: string;
  createdDate: number;
}

interface EventWaiter {
  predicate: (event: PublishedEvent) => boolean;
  resolve: (event: PublishedEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type JsonObject = Record<string, unknown>;

/** An AWS JSON 1.1 error: the SDK takes the exception name from `__type`. */
class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const SECRETS_MANAGER_PREFIX = 'secretsmanager.';
const EVENTBRIDGE_PREFIX = 'AWSEvents.';
const LOGS_PREFIX = 'Logs_20140328.';
const LAMBDA_FUNCTION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/(configuration|invocations)$/;

/** A Lambda function of the local stack: its log group, and what running it means. */
export interface LocalFunction {
  logGroup: string;
  /** The function's environment, as `GetFunctionConfiguration` reports it. */
  environment?: Record<string, string>;
  invoke(payload: unknown): Promise<unknown>;
}
/** Resources per CloudFormation page: DescribeStackResources returns only these, ListStackResources pages. */
const STACK_RESOURCES_PAGE = 100;
const SECRET_NOT_FOUND = "Secrets Manager can't find the specified secret.";
const MAX_PUT_EVENTS_ENTRIES = 10;
/**
 * The size the entries of one PutEvents request may have together, counted as in "Calculating PutEvents event
 * entry size" (Time 14 bytes; Source, DetailType, Detail and each Resource as UTF-8 bytes). The PutEvents API
 * reference and that page give 256 KB. AWS announced 1 MB for EventBridge on 2026-01-29; the stand-in keeps
 * the documented 256 KiB, the stricter of the two, so what passes here passes on any bus.
 */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;
/** "PutEvents will only process nested JSON up to 1000 levels deep" (PutEvents API reference). */
export const MAX_DETAIL_DEPTH = 1000;
const TIME_FIELD_BYTES = 14;
const ARN_SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optionalString = (body: JsonObject, key: string): string | undefined => {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new AwsServiceError('ValidationException', `${key} must be a string.`);
  }
  return value;
};

const requiredString = (body: JsonObject, key: string): string => {
  const value = optionalString(body, key);
  if (value === undefined || value === '') {
    throw new AwsServiceError('InvalidParameterException', `You must specify a value for ${key}.`);
  }
  return value;
};

const randomArnSuffix = (): string =>
  Array.from(randomBytes(6), (byte) => ARN_SUFFIX_ALPHABET[byte % ARN_SUFFIX_ALPHABET.length]).join('');

const isoSeconds = (epochMs: number): string => new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

const busNameOf = (nameOrArn: string | undefined): string => {
  if (!nameOrArn) return 'default';
  const marker = ':event-bus/';
  const at = nameOrArn.indexOf(marker);
  return nameOrArn.startsWith('arn:') && at >= 0 ? nameOrArn.slice(at + marker.length) : nameOrArn;
};

const entrySize = (entry: PutEventsEntry): number => {
  const bytes = (text: string | undefined): number => (text ? Buffer.byteLength(text, 'utf8') : 0);
  return (
    (entry.Time === undefined ? 0 : TIME_FIELD_BYTES) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((total, resource) => total + bytes(resource), 0)
  );
};

/** How deeply a JSON text nests objects and arrays, counted on the text (no recursion, whatever the depth). */
const jsonDepth = (text: string): number => {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === '}' || char === ']') depth--;
  }
  return deepest;
};

const parseDetail = (detail: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(detail);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
};

const toEntry = (raw: unknown): PutEventsEntry => {
  if (!isObject(raw)) throw new AwsServiceError('ValidationException', 'Each entry must be an object.');
  const resources = raw.Resources;
  if (
    resources !== undefined &&
    !(Array.isArray(resources) && resources.every((r) => typeof r === 'string'))
  ) {
    throw new AwsServiceError('ValidationException', 'Resources must be a list of strings.');
  }
  const time = raw.Time;
  if (time !== undefined && typeof time !== 'number') {
    throw new AwsServiceError('ValidationException', 'Time must be a timestamp.');
  }
  return {
    Source: optionalString(raw, 'Source'),
    DetailType: optionalString(raw, 'DetailType'),
    Detail: optionalString(raw, 'Detail'),
    EventBusName: optionalString(raw, 'EventBusName'),
    Resources: resources,
    Time: time,
    TraceHeader: optionalString(raw, 'TraceHeader'),
  };
};

/** The per-entry checks EventBridge makes; `undefined` when the entry is acceptable. */
const entryError = (entry: PutEventsEntry): { ErrorCode: string; ErrorMessage: string } | undefined => {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (!entry[field]) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  if (jsonDepth(entry.Detail ?? '') > MAX_DETAIL_DEPTH) {
    return {
      ErrorCode: 'MalformedDetail',
      ErrorMessage: `Detail is malformed: nested deeper than ${MAX_DETAIL_DEPTH} levels.`,
    };
  }
  // Detail must be a JSON object: a string, a number or an array is refused like text that is not JSON.
  if (parseDetail(entry.Detail ?? '') === undefined) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return undefined;
};

/**
 * Secrets Manager and EventBridge on loopback, speaking the real AWS JSON 1.1 protocol, so the real SDK v3
 * clients reach it through `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL_EVENTBRIDGE` (or their
 * `endpoint` option) with dummy credentials. Signatures are not checked. Secret values are never logged.
 */
export class LocalAws {
  /** Every `GetSecretValue` received, faulted ones included. */
  readonly secretReads: Array<{ secretId: string; at: number }> = [];
  /** Every entry `PutEvents` accepted, with the EventBridge envelope it became. */
  readonly putEvents: PublishedEvent[] = [];
  /** Errors thrown by rule targets (EventBridge would retry, then drop them; here they are kept for tests). */
  readonly targetErrors: Array<{ rule: string; eventId: string; error: unknown }> = [];
  /** Every event a rule matched but could not deliver, oldest first (also told to `onUndeliverable`). */
  readonly undeliverable: UndeliverableEvent[] = [];
  /** Entries `PutEvents` refused, with the per-entry error it answered (the entry itself is not kept). */
  readonly refusedEntries: Array<{
    ErrorCode: string;
    ErrorMessage: string;
    detailType: string | undefined;
  }> = [];

  readonly #server: Server;
  readonly #region: string;
  readonly #accountId: string;
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #stacks = new Map<string, Record<string, { value: string; description?: string }>>();
  readonly #functions = new Map<string, LocalFunction>();
  readonly #logs = new Map<string, Array<{ eventId: string; timestamp: number; message: string }>>();
  readonly #queries = new Map<string, unknown>();
  readonly #stackResources = new Map<
    string,
    Array<{ logicalId: string; type: string; physicalId: string }>
  >();
  readonly #faults: Array<SecretsManagerFault & { remaining: number }> = [];
  readonly #rules: Array<{ rule: LocalRule; target: (event: EventBridgeEnvelope) => Promise<unknown> }> = [];
  readonly #targetRuns = new Set<Promise<void>>();
  readonly #waiters = new Set<EventWaiter>();
  readonly #onUndeliverable: (report: UndeliverableEvent) => void;
  #url = '';
  readonly #callerArn: string;

  private constructor(options: LocalAwsOptions) {
    this.#onUndeliverable =
      options.onUndeliverable ??
      ((report) =>
        process.stderr.write(
          `LocalAws: event ${report.eventId} (${report.detailType}) was not delivered by rule ${report.rule}: ${report.reason}\n`,
        ));
    this.#region = options.region ?? 'us-east-1';
    this.#accountId = options.accountId ?? '123456789012';
    this.#callerArn = options.callerArn ?? `arn:aws:iam::${this.#accountId}:user/local-developer`;
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    this.#server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);
  }

  /** Starts the emulator on 127.0.0.1. */
  static async start(options: LocalAwsOptions = {}): Promise<LocalAws> {
    const aws = new LocalAws(options);
    await new Promise<void>((resolve, reject) => {
      aws.#server.once('error', reject);
      aws.#server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = aws.#server.address() as AddressInfo;
    aws.#url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return aws;
  }

  /** Base URL for the SDK's `endpoint` option or the `AWS_ENDPOINT_URL_*` variables. */
  get url(): string {
    return this.#url;
  }

  /**
   * Creates or replaces a CloudFormation stack with these outputs, for `DescribeStacks` (the AWS Query
   * protocol, as `@aws-sdk/client-cloudformation` speaks it through `AWS_ENDPOINT_URL_CLOUDFORMATION`).
   */
  putStack(
    name: string,
    outputs: Record<string, string | { value: string; description?: string }>,
    resources: Array<{ logicalId: string; type: string; physicalId: string }> = [],
  ): void {
    this.#stacks.set(
      name,
      Object.fromEntries(
        Object.entries(outputs).map(([key, output]) => [
          key,
          typeof output === 'string' ? { value: output } : output,
        ]),
      ),
    );
    this.#stackResources.set(name, resources);
  }

  /**
   * Registers a Lambda function for `GetFunctionConfiguration` and `Invoke` (`RequestResponse` answers its
   * result; `Event` answers 202 and runs it in the background, awaited by {@link drainTargets}).
   */
  addFunction(name: string, fn: LocalFunction): void {
    this.#functions.set(name, fn);
  }

  /** Appends a log event to a log group, for CloudWatch Logs `FilterLogEvents`. */
  putLogEvent(logGroup: string, message: string, timestamp = Date.now()): void {
    const events = this.#logs.get(logGroup) ?? [];
    events.push({ eventId: randomUUID(), timestamp, message });
    this.#logs.set(logGroup, events);
  }

  /** Creates or updates a secret (a new VersionId each time) and returns its ARN. */
  putSecret(name: string, secretString: string): string {
    const existing = this.#secrets.get(name);
    const secret: StoredSecret = {
      name,
      arn:
        existing?.arn ??
        `arn:aws:secretsmanager:${this.#region}:${this.#accountId}:secret:${name}-${randomArnSuffix()}`,
      versionId: randomUUID(),
      secretString,
      createdDate: Date.now() / 1000,
    };
    this.#secrets.set(name, secret);
    return secret.arn;
  }

  /** Removes a secret; later reads answer `ResourceNotFoundException`. Unknown names are ignored. */
  deleteSecret(name: string): void {
    this.#secrets.delete(name);
  }

  /**
   * Answers the next `times` (default 1) Secrets Manager requests with a fault instead: an AWS error with the
   * given exception name and HTTP status (e.g. `InternalServiceError` 500, `AccessDeniedException` 400,
   * `ThrottlingException` 400), or a connection dropped without an answer. Faults queue in order.
   */
  injectSecretsManagerFault(fault: SecretsManagerFault): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /**
   * Routes matching events to `target`, as an EventBridge rule does: on the rule's bus (default `default`),
   * with `source` and `detailType` as the event pattern. The target runs asynchronously, after `PutEvents`
   * has answered, with the full event envelope; what it throws is recorded in `targetErrors`.
   */
  addRule(rule: LocalRule, target: (event: EventBridgeEnvelope) => Promise<unknown>): void {
    this.#rules.push({ rule, target });
  }

  /** Resolves with the first published event matching `predicate`, already received or arriving in time. */
  waitForEvent(predicate: (event: PublishedEvent) => boolean, timeoutMs = 5000): Promise<PublishedEvent> {
    const received = this.putEvents.find(predicate);
    if (received) return Promise.resolve(received);
    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`No matching event was published within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Settles once every rule-target invocation started so far has settled. */
  async drainTargets(): Promise<void> {
    await Promise.allSettled([...this.#targetRuns]);
  }

  /** Stops listening, closes open connections and rejects pending `waitForEvent` calls. */
  async stop(): Promise<void> {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('LocalAws stopped before a matching event was published'));
    }
    this.#waiters.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  /** Lambda's REST API: `GetFunctionConfiguration` and `Invoke`. */
  #lambda(
    name: string,
    operation: string,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    requestId: string,
  ): void {
    const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        ...headers,
      });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const fn = this.#functions.get(name);
    if (!fn) {
      json(
        404,
        { Type: 'User', message: `Function not found: ${name}` },
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
      );
      return;
    }
    if (operation === 'configuration') {
      json(200, {
        FunctionName: name,
        FunctionArn: `arn:aws:lambda:${this.#region}:${this.#accountId}:function:${name}`,
        LoggingConfig: { LogFormat: 'JSON', LogGroup: fn.logGroup },
        ...(fn.environment ? { Environment: { Variables: fn.environment } } : {}),
      });
      return;
    }
    const payload: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    if (String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse') === 'Event') {
      const run: Promise<void> = fn
        .invoke(payload)
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => this.#targetRuns.delete(run));
      this.#targetRuns.add(run);
      json(202, undefined);
      return;
    }
    fn.invoke(payload).then(
      (result) => json(200, result ?? null, { 'x-amz-executed-version': '$LATEST' }),
      (error: unknown) =>
        json(
          200,
          { errorType: error instanceof Error ? error.name : 'Error', errorMessage: String(error) },
          { 'x-amz-function-error': 'Unhandled' },
        ),
    );
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

  /** STS `GetCallerIdentity` (Query protocol, XML): the configured caller. */
  #getCallerIdentity(res: ServerResponse, requestId: string): void {
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${this.#callerArn}</Arn><UserId>AIDALOCALDEVELOPER</UserId><Account>${this.#accountId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  }

  /** CloudFormation's `DescribeStacks` by name, answered in the Query protocol's XML. */
  #cloudFormation(form: URLSearchParams, res: ServerResponse, requestId: string): void {
    const xml = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
    };
    const escapeXml = (text: string) =>
      text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const name = form.get('StackName') ?? '';
    const outputs = this.#stacks.get(name);
    const resourceMember = (resource: { logicalId: string; type: string; physicalId: string }) =>
      `<member><StackName>${escapeXml(name)}</StackName><LogicalResourceId>${escapeXml(resource.logicalId)}</LogicalResourceId><PhysicalResourceId>${escapeXml(resource.physicalId)}</PhysicalResourceId><ResourceType>${escapeXml(resource.type)}</ResourceType><Timestamp>2026-11-29T00:00:00.000Z</Timestamp><LastUpdatedTimestamp>2026-11-29T00:00:00.000Z</LastUpdatedTimestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>`;
    const resources = this.#stackResources.get(name) ?? [];
    if (form.get('Action') === 'DescribeStackResources' && outputs) {
      // As AWS: the first 100 resources only (ListStackResources pages through all of them).
      const members = resources.slice(0, STACK_RESOURCES_PAGE).map(resourceMember).join('');
      xml(
        200,
        `<DescribeStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStackResourcesResult><StackResources>${members}</StackResources></DescribeStackResourcesResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStackResourcesResponse>`,
      );
      return;
    }
    if (form.get('Action') === 'ListStackResources' && outputs) {
      const start = Number(form.get('NextToken') ?? 0) || 0;
      const members = resources
        .slice(start, start + STACK_RESOURCES_PAGE)
        .map(resourceMember)
        .join('');
      const next =
        start + STACK_RESOURCES_PAGE < resources.length ? String(start + STACK_RESOURCES_PAGE) : '';
      xml(
        200,
        `<ListStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStackResourcesResult><StackResourceSummaries>${members}</StackResourceSummaries>${next ? `<NextToken>${next}</NextToken>` : ''}</ListStackResourcesResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></ListStackResourcesResponse>`,
      );
      return;
    }
    if (form.get('Action') !== 'DescribeStacks' || !outputs) {
      const message = ['DescribeStacks', 'DescribeStackResources', 'ListStackResources'].includes(
        form.get('Action') ?? '',
      )
        ? `Stack with id ${name} does not exist`
        : `LocalAws does not implement CloudFormation ${form.get('Action')}`;
      xml(
        400,
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
      return;
    }
    const members = Object.entries(outputs)
      .map(
        ([key, { value, description }]) =>
          `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue>${description === undefined ? '' : `<Description>${escapeXml(description)}</Description>`}</member>`,
      )
      .join('');
    const stackId = `arn:aws:cloudformation:${this.#region}:${this.#accountId}:stack/${escapeXml(name)}/${requestId}`;
    xml(
      200,
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${escapeXml(name)}</StackName><StackId>${stackId}</StackId><CreationTime>2026-11-29T00:00:00.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const requestId = randomUUID();
    const answer = (status: number, payload: unknown): void => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
      });
      res.end(JSON.stringify(payload));
    };

    const lambda = LAMBDA_FUNCTION_PATH.exec((req.url ?? '').split('?', 1)[0] ?? '');
    if (lambda) {
      this.#lambda(decodeURIComponent(lambda[1]!), lambda[2]!, req, Buffer.concat(chunks), res, requestId);
      return;
    }
    if (
      !target &&
      String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    ) {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (form.get('Action') === 'GetCallerIdentity') {
        this.#getCallerIdentity(res, requestId);
        return;
      }
      this.#cloudFormation(form, res, requestId);
      return;
    }

    try {
      const body = this.#parseBody(Buffer.concat(chunks));
      if (target.startsWith(SECRETS_MANAGER_PREFIX)) {
        const operation = target.slice(SECRETS_MANAGER_PREFIX.length);
        if (operation === 'GetSecretValue') {
          this.secretReads.push({ secretId: String(body.SecretId ?? ''), at: Date.now() });
        }
        const fault = this.#takeFault();
        if (fault?.kind === 'drop') {
          req.socket.destroy();
          return;
        }
        if (fault?.kind === 'error') {
          throw new AwsServiceError(fault.type, fault.message ?? `Injected ${fault.type}`, fault.status);
        }
        answer(200, this.#secretsManager(operation, body));
        return;
      }
      if (target === `${LOGS_PREFIX}FilterLogEvents`) {
        answer(200, this.#filterLogEvents(body));
        return;
      }
      if (target === `${LOGS_PREFIX}StartQuery`) {
        const queryId = randomUUID();
        this.#queries.set(queryId, this.#runQuery(body));
        answer(200, { queryId });
        return;
      }
      if (target === `${LOGS_PREFIX}GetQueryResults`) {
        const results = this.#queries.get(String(body.queryId ?? ''));
        if (!results) throw new AwsServiceError('ResourceNotFoundException', 'Query does not exist', 400);
        answer(200, { status: 'Complete', results, statistics: {} });
        return;
      }
      if (target === `${EVENTBRIDGE_PREFIX}PutEvents`) {
        const { result, published } = this.#acceptEvents(body);
        this.#scheduleTargets(published, res);
        answer(200, result);
        this.#publish(published);
        return;
      }
      throw new AwsServiceError('UnknownOperationException', `Unsupported operation: ${target || '(none)'}`);
    } catch (error) {
      if (error instanceof AwsServiceError) {
        answer(error.status, { __type: error.type, message: error.message });
        return;
      }
      throw error;
    }
  }

  #parseBody(raw: Buffer): JsonObject {
    if (raw.length === 0) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AwsServiceError('SerializationException', 'The request body is not valid JSON.');
    }
    if (!isObject(parsed)) throw new AwsServiceError('SerializationException', 'Expected a JSON object.');
    return parsed;
  }

  #takeFault(): SecretsManagerFault | undefined {
    const fault = this.#faults[0];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.shift();
    return fault;
  }

  #findSecret(secretId: string): StoredSecret {
    const secret = secretId.startsWith('arn:')
      ? [...this.#secrets.values()].find((candidate) => candidate.arn === secretId)
      : this.#secrets.get(secretId);
    if (!secret) throw new AwsServiceError('ResourceNotFoundException', SECRET_NOT_FOUND);
    return secret;
  }

  #secretsManager(operation: string, body: JsonObject): JsonObject {
    switch (operation) {
      case 'GetSecretValue': {
        const secret = this.#findSecret(requiredString(body, 'SecretId'));
        const versionId = optionalString(body, 'VersionId');
        const versionStage = optionalString(body, 'VersionStage');
        // Only the AWSCURRENT version is kept, so any other version or label is unknown.
        if (versionId !== undefined && versionId !== secret.versionId) {
          throw new AwsServiceError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
          );
        }
        if (versionStage !== undefined && versionStage !== 'AWSCURRENT') {
          throw new AwsServiceError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for staging label: ${versionStage}`,
          );
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          SecretString: secret.secretString,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.createdDate,
        };
      }
      case 'CreateSecret': {
        const name = requiredString(body, 'Name');
        if (this.#secrets.has(name)) {
          throw new AwsServiceError(
            'ResourceExistsException',
            `The operation failed because the secret ${name} already exists.`,
          );
        }
        return this.#storeVersion(name, body);
      }
      case 'PutSecretValue':
        return {
          ...this.#storeVersion(this.#findSecret(requiredString(body, 'SecretId')).name, body),
          VersionStages: ['AWSCURRENT'],
        };
      default:
        throw new AwsServiceError('UnknownOperationException', `Unsupported operation: ${operation}`);
    }
  }

  #storeVersion(name: string, body: JsonObject): JsonObject {
    const secretString = requiredString(body, 'SecretString');
    const arn = this.putSecret(name, secretString);
    const secret = this.#secrets.get(name) as StoredSecret;
    // The SDK fills ClientRequestToken with an idempotency token, which Secrets Manager uses as the VersionId.
    const token = optionalString(body, 'ClientRequestToken');
    if (token) secret.versionId = token;
    return { ARN: arn, Name: name, VersionId: secret.versionId };
  }

  #acceptEvents(body: JsonObject): { result: JsonObject; published: PublishedEvent[] } {
    const rawEntries = body.Entries;
    if (!Array.isArray(rawEntries) || rawEntries.length < 1 || rawEntries.length > MAX_PUT_EVENTS_ENTRIES) {
      throw new AwsServiceError(
        'ValidationException',
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    const entries = rawEntries.map(toEntry);
    if (entries.reduce((total, entry) => total + entrySize(entry), 0) > MAX_PUT_EVENTS_BYTES) {
      throw new AwsServiceError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    const receivedAt = Date.now();
    const published: PublishedEvent[] = [];
    const resultEntries = entries.map((entry) => {
      const error = entryError(entry);
      if (error) {
        this.refusedEntries.push({ ...error, detailType: entry.DetailType });
        return error;
      }
      const envelope: EventBridgeEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType ?? '',
        source: entry.Source ?? '',
        account: this.#accountId,
        time: isoSeconds(entry.Time === undefined ? receivedAt : entry.Time * 1000),
        region: this.#region,
        resources: entry.Resources ?? [],
        detail: parseDetail(entry.Detail ?? '') ?? {},
      };
      published.push({ entry, eventBusName: busNameOf(entry.EventBusName), envelope, receivedAt });
      return { EventId: envelope.id };
    });
    return {
      result: { FailedEntryCount: entries.length - published.length, Entries: resultEntries },
      published,
    };
  }

  #publish(published: PublishedEvent[]): void {
    for (const event of published) {
      this.putEvents.push(event);
      for (const waiter of this.#waiters) {
        if (waiter.predicate(event)) {
          clearTimeout(waiter.timer);
          this.#waiters.delete(waiter);
          waiter.resolve(event);
        }
      }
    }
  }

  #scheduleTargets(published: PublishedEvent[], res: ServerResponse): void {
    // Registered before the answer is written, so a drainTargets() issued as soon as the SDK call resolves
    // already waits for these; started only once the answer has gone out, as EventBridge delivers after
    // PutEvents returns.
    const answered = new Promise<void>((resolve) => {
      res.once('finish', resolve);
      res.once('close', resolve);
    });
    for (const event of published) {
      for (const { rule, target } of this.#rules) {
        if (!this.#matches(rule, event)) continue;
        const run: Promise<void> = answered
          .then(() => target(structuredClone(event.envelope)))
          .then(
            () => undefined,
            (error: unknown) => {
              this.targetErrors.push({ rule: rule.name, eventId: event.envelope.id, error });
              const report: UndeliverableEvent = {
                rule: rule.name,
                eventId: event.envelope.id,
                detailType: event.envelope['detail-type'],
                reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
                error,
              };
              this.undeliverable.push(report);
              this.#onUndeliverable(report);
            },
          )
          .finally(() => this.#targetRuns.delete(run));
        this.#targetRuns.add(run);
      }
    }
  }

  #matches(rule: LocalRule, event: PublishedEvent): boolean {
    return (
      (rule.eventBusName ?? 'default') === event.eventBusName &&
      (rule.source === undefined || rule.source.includes(event.envelope.source)) &&
      (rule.detailType === undefined || rule.detailType.includes(event.envelope['detail-type']))
    );
  }
}
