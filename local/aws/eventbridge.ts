import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { EventBridgeEvent } from 'aws-lambda';
import { type AwsAccount, AwsServiceError, isObject, type JsonObject, optionalString } from './protocol.ts';

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

/** An event a rule matched and could not deliver to its target. */
export interface UndeliverableEvent {
  rule: string;
  eventId: string;
  detailType: string;
  /** What the target threw, in words. */
  reason: string;
  error: unknown;
}

interface EventWaiter {
  predicate: (event: PublishedEvent) => boolean;
  resolve: (event: PublishedEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** The `x-amz-target` prefix of EventBridge's JSON 1.1 operations. */
export const EVENTBRIDGE_PREFIX = 'AWSEvents.';
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

/** EventBridge's `PutEvents` with its documented limits, and rules that deliver to local targets. */
export class LocalEventBridge {
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

  readonly #account: AwsAccount;
  readonly #rules: Array<{ rule: LocalRule; target: (event: EventBridgeEnvelope) => Promise<unknown> }> = [];
  readonly #targetRuns: Set<Promise<void>>;
  readonly #waiters = new Set<EventWaiter>();
  readonly #onUndeliverable: (report: UndeliverableEvent) => void;

  /** `targetRuns` is shared with the other background work the stand-in awaits in `drainTargets`. */
  constructor(
    account: AwsAccount,
    targetRuns: Set<Promise<void>>,
    onUndeliverable: (report: UndeliverableEvent) => void,
  ) {
    this.#account = account;
    this.#targetRuns = targetRuns;
    this.#onUndeliverable = onUndeliverable;
  }

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

  /** Rejects pending `waitForEvent` calls. */
  rejectWaiters(): void {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('LocalAws stopped before a matching event was published'));
    }
    this.#waiters.clear();
  }

  /** `PutEvents`: answers through `answer`, then publishes; rule targets run once the answer has gone out. */
  handlePutEvents(body: JsonObject, res: ServerResponse, answer: (result: JsonObject) => void): void {
    const { result, published } = this.#acceptEvents(body);
    this.#scheduleTargets(published, res);
    answer(result);
    this.#publish(published);
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
        account: this.#account.accountId,
        time: isoSeconds(entry.Time === undefined ? receivedAt : entry.Time * 1000),
        region: this.#account.region,
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
