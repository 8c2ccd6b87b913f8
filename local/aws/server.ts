import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { LocalCloudFormation, type LocalStackResource } from './cloudformation.ts';
import {
  EVENTBRIDGE_PREFIX,
  type EventBridgeEnvelope,
  LocalEventBridge,
  type LocalRule,
  type PublishedEvent,
  type UndeliverableEvent,
} from './eventbridge.ts';
import { LAMBDA_FUNCTION_PATH, type LocalFunction, LocalLambda } from './lambda.ts';
import { LOGS_PREFIX, LocalLogs } from './logs.ts';
import { type AwsAccount, AwsServiceError, parseJsonBody } from './protocol.ts';
import { LocalSecretsManager, SECRETS_MANAGER_PREFIX, type SecretsManagerFault } from './secrets-manager.ts';
import { getCallerIdentity } from './sts.ts';

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

/**
 * Secrets Manager and EventBridge on loopback, speaking the real AWS JSON 1.1 protocol, so the real SDK v3
 * clients reach it through `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL_EVENTBRIDGE` (or their
 * `endpoint` option) with dummy credentials. Signatures are not checked. Secret values are never logged.
 * Also CloudFormation and STS (Query protocol), Lambda (REST) and CloudWatch Logs (JSON 1.1), each in its
 * own module of `local/aws/`; this class listens and dispatches.
 */
export class LocalAws {
  /** Every `GetSecretValue` received, faulted ones included. */
  readonly secretReads: Array<{ secretId: string; at: number }>;
  /** Every entry `PutEvents` accepted, with the EventBridge envelope it became. */
  readonly putEvents: PublishedEvent[];
  /** Errors thrown by rule targets (EventBridge would retry, then drop them; here they are kept for tests). */
  readonly targetErrors: Array<{ rule: string; eventId: string; error: unknown }>;
  /** Every event a rule matched but could not deliver, oldest first (also told to `onUndeliverable`). */
  readonly undeliverable: UndeliverableEvent[];
  /** Entries `PutEvents` refused, with the per-entry error it answered (the entry itself is not kept). */
  readonly refusedEntries: Array<{
    ErrorCode: string;
    ErrorMessage: string;
    detailType: string | undefined;
  }>;

  readonly #server: Server;
  readonly #account: AwsAccount;
  readonly #callerArn: string;
  readonly #targetRuns = new Set<Promise<void>>();
  readonly #secrets: LocalSecretsManager;
  readonly #events: LocalEventBridge;
  readonly #stacks: LocalCloudFormation;
  readonly #functions: LocalLambda;
  readonly #logs = new LocalLogs();
  #url = '';

  private constructor(options: LocalAwsOptions) {
    const onUndeliverable =
      options.onUndeliverable ??
      ((report: UndeliverableEvent) =>
        process.stderr.write(
          `LocalAws: event ${report.eventId} (${report.detailType}) was not delivered by rule ${report.rule}: ${report.reason}\n`,
        ));
    this.#account = { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '123456789012' };
    this.#callerArn = options.callerArn ?? `arn:aws:iam::${this.#account.accountId}:user/local-developer`;
    this.#secrets = new LocalSecretsManager(this.#account);
    this.#events = new LocalEventBridge(this.#account, this.#targetRuns, onUndeliverable);
    this.#stacks = new LocalCloudFormation(this.#account);
    this.#functions = new LocalLambda(this.#account, this.#targetRuns);
    this.secretReads = this.#secrets.secretReads;
    this.putEvents = this.#events.putEvents;
    this.targetErrors = this.#events.targetErrors;
    this.undeliverable = this.#events.undeliverable;
    this.refusedEntries = this.#events.refusedEntries;
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
    resources: LocalStackResource[] = [],
  ): void {
    this.#stacks.putStack(name, outputs, resources);
  }

  /**
   * Registers a Lambda function for `GetFunctionConfiguration` and `Invoke` (`RequestResponse` answers its
   * result; `Event` answers 202 and runs it in the background, awaited by {@link drainTargets}).
   */
  addFunction(name: string, fn: LocalFunction): void {
    this.#functions.addFunction(name, fn);
  }

  /** Appends a log event to a log group, for CloudWatch Logs `FilterLogEvents`. */
  putLogEvent(logGroup: string, message: string, timestamp = Date.now()): void {
    this.#logs.putLogEvent(logGroup, message, timestamp);
  }

  /** Creates or updates a secret (a new VersionId each time) and returns its ARN. */
  putSecret(name: string, secretString: string): string {
    return this.#secrets.putSecret(name, secretString);
  }

  /** Removes a secret; later reads answer `ResourceNotFoundException`. Unknown names are ignored. */
  deleteSecret(name: string): void {
    this.#secrets.deleteSecret(name);
  }

  /**
   * Answers the next `times` (default 1) Secrets Manager requests with a fault instead: an AWS error with the
   * given exception name and HTTP status (e.g. `InternalServiceError` 500, `AccessDeniedException` 400,
   * `ThrottlingException` 400), or a connection dropped without an answer. Faults queue in order.
   */
  injectSecretsManagerFault(fault: SecretsManagerFault): void {
    this.#secrets.injectFault(fault);
  }

  /**
   * Routes matching events to `target`, as an EventBridge rule does: on the rule's bus (default `default`),
   * with `source` and `detailType` as the event pattern. The target runs asynchronously, after `PutEvents`
   * has answered, with the full event envelope; what it throws is recorded in `targetErrors`.
   */
  addRule(rule: LocalRule, target: (event: EventBridgeEnvelope) => Promise<unknown>): void {
    this.#events.addRule(rule, target);
  }

  /** Resolves with the first published event matching `predicate`, already received or arriving in time. */
  waitForEvent(predicate: (event: PublishedEvent) => boolean, timeoutMs = 5000): Promise<PublishedEvent> {
    return this.#events.waitForEvent(predicate, timeoutMs);
  }

  /** Settles once every rule-target invocation started so far has settled. */
  async drainTargets(): Promise<void> {
    await Promise.allSettled([...this.#targetRuns]);
  }

  /** Stops listening, closes open connections and rejects pending `waitForEvent` calls. */
  async stop(): Promise<void> {
    this.#events.rejectWaiters();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
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
      this.#functions.handle(
        decodeURIComponent(lambda[1]!),
        lambda[2]!,
        req,
        Buffer.concat(chunks),
        res,
        requestId,
      );
      return;
    }
    if (
      !target &&
      String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    ) {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (form.get('Action') === 'GetCallerIdentity') {
        getCallerIdentity(this.#account, this.#callerArn, res, requestId);
        return;
      }
      this.#stacks.handle(form, res, requestId);
      return;
    }

    try {
      const body = parseJsonBody(Buffer.concat(chunks));
      if (target.startsWith(SECRETS_MANAGER_PREFIX)) {
        const result = this.#secrets.handle(target.slice(SECRETS_MANAGER_PREFIX.length), body);
        // An injected 'drop' fault: the connection goes without an answer.
        if (result === undefined) req.socket.destroy();
        else answer(200, result);
        return;
      }
      if (target.startsWith(LOGS_PREFIX)) {
        answer(200, this.#logs.handle(target.slice(LOGS_PREFIX.length), body));
        return;
      }
      if (target === `${EVENTBRIDGE_PREFIX}PutEvents`) {
        this.#events.handlePutEvents(body, res, (result) => answer(200, result));
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
}
