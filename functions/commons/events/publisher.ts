import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { sdkClientDefaults } from '../platform/aws-sdk.ts';
import { traced } from '../platform/tracing.ts';

/** Publishes one event to the bus; resolves with the id EventBridge gave it. */
export interface EventPublisher {
  publish(detailType: string, detail: object): Promise<string>;
}

/** EventBridge refused the entry (PutEvents answers 200 with per-entry failures) or the call failed. */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  /** EventBridge's per-entry error code (e.g. `ThrottlingException`, `InternalFailure`), when it gave one. */
  readonly errorCode: string | undefined;

  constructor(detailType: string, errorCode: string | undefined, message: string, options?: ErrorOptions) {
    super(`could not publish "${detailType}": ${message}`, options);
    this.errorCode = errorCode;
  }
}

export interface EventBridgePublisherOptions {
  /** Bus name or ARN. */
  eventBusName: string;
  /** `source` of every event published. */
  source: string;
  /** @default a client from the environment (`AWS_ENDPOINT_URL_EVENTBRIDGE` reaches the local stand-in) */
  client?: EventBridgeClient;
}

/**
 * Publishes through `PutEvents`, one entry per call. A failed entry throws: PutEvents reports per-entry
 * failures in a 200 answer, and ignoring them would lose the event silently.
 */
export class EventBridgePublisher implements EventPublisher {
  readonly #client: EventBridgeClient;
  readonly #eventBusName: string;
  readonly #source: string;

  constructor(options: EventBridgePublisherOptions) {
    this.#client = options.client ?? traced(new EventBridgeClient(sdkClientDefaults()));
    this.#eventBusName = options.eventBusName;
    this.#source = options.source;
  }

  async publish(detailType: string, detail: object): Promise<string> {
    let answer: PutEventsCommandOutput;
    try {
      answer = await this.#client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.#eventBusName,
              Source: this.#source,
              DetailType: detailType,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'UnknownError';
      throw new EventPublishError(detailType, name, `PutEvents failed (${name})`, { cause: error });
    }
    const [entry] = answer.Entries ?? [];
    if (!entry?.EventId) {
      throw new EventPublishError(
        detailType,
        entry?.ErrorCode,
        `EventBridge refused the entry (${entry?.ErrorCode ?? 'no error code'}: ${entry?.ErrorMessage ?? 'no message'})`,
      );
    }
    return entry.EventId;
  }
}
