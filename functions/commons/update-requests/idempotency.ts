import { IdempotencyConfig, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBPersistenceOptions, ResponseHook } from '@aws-lambda-powertools/idempotency/types';
import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { CallUpdateRequestedEvent } from '../events/contracts.ts';
import { sdkClientDefaults } from '../platform/aws-sdk.ts';
import { RECORD_DEADLINE_MARGIN_MS } from '../platform/settings.ts';

/** Prefix of every idempotency record's key, fixed so that records survive a renamed function. */
export const IDEMPOTENCY_KEY_PREFIX = 'call-update-requested';

/**
 * What makes two deliveries "the same request": the requester's idempotency key, scoped by its source so
 * that two systems cannot collide, or else the EventBridge event id (the same on every redelivery).
 */
export const IDEMPOTENCY_KEY_JMESPATH = '[source, detail.idempotencyKey || id]';

/**
 * What a repeated idempotency key must ask for again: the same call and the same action. A correlation id may
 * differ (a requester retrying under a new one); anything else is a reused key and is refused. A transfer's
 * `transfer` takes the place of `update` (never both in one request; `transfer || update` is the update, empty or
 * absent as it was, whenever there is no transfer), so a request without one hashes as it always has and records written before transfers still match; `api` only names the owner of the same call.
 */
export const IDEMPOTENCY_PAYLOAD_JMESPATH = 'detail.[callSid, accountSid, action, transfer || update]';

/** Attribute names of the table (the CDK table and the local one use the same). */
export const IDEMPOTENCY_TABLE_KEY = 'id';
export const IDEMPOTENCY_TABLE_TTL = 'expiration';
/** The record's status and in-progress expiry (Powertools' default names, written out for the renewals). */
const IDEMPOTENCY_TABLE_STATUS = 'status';
const IDEMPOTENCY_TABLE_IN_PROGRESS_EXPIRY = 'in_progress_expiration';

/**
 * The idempotency table as Powertools reads and writes it, for the call-update requests and the status
 * callbacks' replay records alike: the given client, or one built from the functions' SDK defaults.
 */
export const tableOptions = (tableName: string, client?: DynamoDBClient): DynamoDBPersistenceOptions => ({
  tableName,
  keyAttr: IDEMPOTENCY_TABLE_KEY,
  expiryAttr: IDEMPOTENCY_TABLE_TTL,
  statusAttr: IDEMPOTENCY_TABLE_STATUS,
  inProgressExpiryAttr: IDEMPOTENCY_TABLE_IN_PROGRESS_EXPIRY,
  ...(client ? { awsSdkV3Client: client } : { clientConfig: sdkClientDefaults() }),
});

/** What Powertools stores and hashes (its commons' `RecordData`, a package not depended on directly). */
export type RecordData = Parameters<DynamoDBPersistenceLayer['saveSuccess']>[0];

export const idempotencyTable = (tableName: string, client?: DynamoDBClient): DynamoDBPersistenceLayer =>
  new DynamoDBPersistenceLayer(tableOptions(tableName, client));

/** Settles with `work` (`written`, or its error) or with `late` after `ms`, whichever comes first. */
const within = async (work: Promise<void>, ms: number): Promise<'written' | 'late' | Error> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, ms));
  });
  const settled = work.then(
    () => 'written' as const,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Whether a request redirects the call (`action: update` with `update.Url`, or a native call's `transfer`,
 * already validated): the changes that must never be sent twice, since a second redirect restarts the caller's
 * call flow and a second transfer moves the call again.
 */
export const redirectsTheCall = (data: RecordData): boolean => {
  const detail = (data as Partial<CallUpdateRequestedEvent> | null)?.detail;
  return (
    (detail?.action === 'update' && typeof detail.update?.Url === 'string') || detail?.action === 'transfer'
  );
};

/**
 * The call-update requests' table. Writing the outcome (COMPLETED) and releasing a record happen after
 * SignalWire may have acted: such a write that fails, or has not finished shortly before the invocation's
 * deadline, is logged and passed over instead of failing the invocation, since a failed invocation is retried
 * by Lambda and the retry would send the request (a redirect) again. The in-progress record then stays until
 * its in-progress expiry (see {@link CallUpdateRecords.saveInProgress}).
 */
class CallUpdateRecords extends DynamoDBPersistenceLayer {
  readonly #timeLeft: () => number;
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(tableName: string, client: DynamoDBClient, timeLeft: () => number) {
    super(tableOptions(tableName, client));
    this.#tableName = tableName;
    this.#client = client;
    this.#timeLeft = timeLeft;
  }

  /**
   * Moves a COMPLETED record's expiry to a window from now, and touches nothing else: the condition leaves a
   * record that expired and was taken over since it was read (another delivery's in-progress record, its
   * redirect being sent) as it is, and the recorded outcome is never rewritten, so a newer one written meanwhile
   * is kept. Bounded like `saveSuccess`; a record no longer COMPLETED is not an error.
   */
  renew(data: RecordData): Promise<void> {
    return this.#extend(
      data,
      'SET #expiry = :expiry',
      '#status = :completed',
      { ':completed': { S: IdempotencyRecordStatus.COMPLETED } },
      {},
      // Nothing is lost now: the recorded outcome stands and is replayed; only the promise that an archive replay
      // within the window finds it is weakened, so a warning, not an error.
      {
        level: 'warn',
        message: RENEWAL_FAILED_MESSAGE,
      },
    );
  }

  /**
   * Keeps a redirect's blocking in-progress record for another window from now: a duplicate under the same key
   * (the requester's retry, hours after the try whose outcome is unknown) is handed back to Lambda, and an
   * archive replay of that duplicate, fresh by its own `time`, must still find the record. Only while it is in
   * progress and still blocking (its in-progress expiry ahead); nothing else is touched.
   */
  holdRedirect(data: RecordData): Promise<void> {
    const nowMs = Date.now();
    return this.#extend(
      data,
      'SET #expiry = :expiry, #inProgressExpiry = :inProgressExpiry',
      '#status = :inProgress AND #inProgressExpiry > :now',
      {
        ':inProgress': { S: IdempotencyRecordStatus.INPROGRESS },
        ':inProgressExpiry': { N: String(nowMs + this.getExpiresAfterSeconds() * 1000) },
        ':now': { N: String(nowMs) },
      },
      { '#inProgressExpiry': IDEMPOTENCY_TABLE_IN_PROGRESS_EXPIRY },
      { level: 'error', message: 'the idempotency record could not be kept for another window' },
    );
  }

  #extend(
    data: RecordData,
    update: string,
    condition: string,
    values: Record<string, { S: string } | { N: string }>,
    names: Record<string, string>,
    failure: RecordWriteFailure,
  ): Promise<void> {
    const write = this.#client
      .send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: this.getKey(this.getHashedIdempotencyKey(data)),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: {
            '#expiry': IDEMPOTENCY_TABLE_TTL,
            '#status': IDEMPOTENCY_TABLE_STATUS,
            ...names,
          },
          ExpressionAttributeValues: {
            ':expiry': { N: String(Math.round(Date.now() / 1000 + this.getExpiresAfterSeconds())) },
            ...values,
          },
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        },
      );
    return this.#bounded(failure, write);
  }

  /**
   * Powertools lets an in-progress record stop blocking at the invocation's deadline, so that the retry of a
   * crashed invocation runs. A redirect's record instead stays in progress for the whole idempotency window:
   * once it is written, nothing says whether the redirect went out (a crash or a timeout before, while or after
   * sending, a COMPLETED write that failed after SignalWire applied it), and running it again could restart the
   * call flow. A redelivery then sends nothing and is handed back to Lambda, whose retries end in the failure
   * dead-letter queue for an operator to look at. Ending a call and changing its callbacks are safe to repeat:
   * their records keep Powertools' expiry, and a retry after the deadline runs them again.
   */
  override saveInProgress(data: RecordData, remainingTimeInMillis?: number) {
    return super.saveInProgress(
      data,
      redirectsTheCall(data) ? this.getExpiresAfterSeconds() * 1000 : remainingTimeInMillis,
    );
  }

  override saveSuccess(data: RecordData, result: RecordData) {
    return this.#bounded(
      'the outcome could not be recorded; publishing it anyway',
      super.saveSuccess(data, result),
    );
  }

  override deleteRecord(data: RecordData) {
    return this.#bounded(
      redirectsTheCall(data)
        ? "the idempotency record could not be released; this redirect's retries are handed back until it " +
            'expires, at the end of the idempotency window (the event ends in the dead-letter queue)'
        : 'the idempotency record could not be released; a retry runs once it expires',
      super.deleteRecord(data),
    );
  }

  async #bounded(failure: string | RecordWriteFailure, write: Promise<void>): Promise<void> {
    const result = await within(write, this.#timeLeft() - RECORD_DEADLINE_MARGIN_MS);
    if (result === 'written') return;
    // Imported here, on this rare path: the local stack imports this module before a test sets the service name
    // the Powertools logger is built with.
    const { logger } = await import('../platform/powertools.ts');
    const { level, message } =
      typeof failure === 'string' ? { level: 'error' as const, message: failure } : failure;
    logger[level](message, {
      error: result === 'late' ? new Error('the write did not finish in time') : result,
    });
  }
}

/** What is logged, and at which level, when a record write fails or does not finish in time. */
interface RecordWriteFailure {
  level: 'warn' | 'error';
  message: string;
}

/**
 * Logged (WARN) when a replayed outcome's record could not be kept for another window (`rememberAgain`): the
 * replayed outcome is published all the same, and the record keeps its old expiry.
 */
export const RENEWAL_FAILED_MESSAGE =
  'the replayed outcome is published, but its idempotency record could not be kept for another window: it ' +
  'keeps its old expiry, so a replay of this request after that expiry could apply it again';

export interface CallUpdateIdempotencyOptions {
  tableName: string;
  /** How long a handled request is remembered: redeliveries and reused keys within it are not applied again. */
  expiresAfterSeconds: number;
  /** @default a client from the environment (`AWS_ENDPOINT_URL_DYNAMODB` reaches the local stand-in) */
  client?: DynamoDBClient;
}

/** Powertools Idempotency, configured for "Call Update Requested" events. */
export interface CallUpdateIdempotency {
  /**
   * Register each invocation's Lambda context on it: an in-progress record then expires with the invocation
   * (a redirect's, with the idempotency window).
   */
  config: IdempotencyConfig;
  persistenceStore: DynamoDBPersistenceLayer & Pick<CallUpdateRecords, 'renew' | 'holdRedirect'>;
  /** How long a record is kept (`expiresAfterSeconds`): what bounds how old an event may be when applied. */
  windowSeconds: number;
}

/**
 * Keeps a replayed outcome for another idempotency window from now (its expiry only, and only while the record
 * is still COMPLETED: `CallUpdateRecords.renew`). A request's `time` is checked against the
 * window (`event-time.ts`) on the promise that its record outlives it by the window; with an `idempotencyKey`
 * the record may have been written for an earlier event (the requester's first try, hours before this retry),
 * and would expire that much sooner: an archive replay of this event would then find nothing and apply it
 * again. A failure is logged, the replay is published anyway.
 */
export const rememberAgain = (
  store: CallUpdateIdempotency['persistenceStore'],
  event: CallUpdateRequestedEvent,
): Promise<void> => store.renew(event as unknown as RecordData);

/**
 * Marks a result that came from the table rather than from running the function, so the result event can say
 * that the call was not touched again.
 */
const markReplayed: ResponseHook = (response) =>
  typeof response === 'object' && response !== null && !Array.isArray(response)
    ? { ...response, replayed: true }
    : response;

/**
 * The idempotency configuration and DynamoDB persistence of the event function. Powertools writes an
 * in-progress record before the work starts, with an in-progress expiry of the invocation's remaining time
 * (from the registered Lambda context): a record left behind by a crashed or timed-out invocation stops
 * blocking once that time has passed, and the next retry runs; except a redirect's, which blocks for the whole
 * idempotency window (`expiresAfterSeconds`), so a redirect is never sent again on its own.
 */
export const createCallUpdateIdempotency = (options: CallUpdateIdempotencyOptions): CallUpdateIdempotency => {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: IDEMPOTENCY_KEY_JMESPATH,
    payloadValidationJmesPath: IDEMPOTENCY_PAYLOAD_JMESPATH,
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds,
    responseHook: markReplayed,
  });
  return {
    config,
    windowSeconds: options.expiresAfterSeconds,
    persistenceStore: new CallUpdateRecords(
      options.tableName,
      options.client ?? new DynamoDBClient(sdkClientDefaults()),
      // The registered invocation's time left; a generous default outside one (a test calling the store).
      () => config.lambdaContext?.getRemainingTimeInMillis() ?? 60_000,
    ),
  };
};
