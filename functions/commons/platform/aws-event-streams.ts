/**
 * Stand-in for `@smithy/core/event-streams` in the function bundles (infra/runtime.ts BUNDLE_ALIAS): the AWS SDK's
 * event-stream serde (14 KiB), which only operations that stream events use (CloudWatch Logs' live tail,
 * Lambda's response streaming, ...), and none the functions send (test/unit/aws-event-streams.test.ts).
 * Most clients reach it through a dynamic `import()` when such an operation runs; CloudWatch Logs' and Lambda's
 * clients import it statically and build a marshaller when they are constructed. Left out as an external, that
 * static import made the audit-search bundle fail to load anywhere without a `node_modules` (Lambda has none).
 * Here the client gets a marshaller, and an operation that streams events fails with
 * EventStreamsNotBundledError when it serialises or reads its stream, before anything is sent or read.
 */

export class EventStreamsNotBundledError extends Error {
  override name = 'EventStreamsNotBundledError';
  constructor() {
    super('this bundle leaves out the AWS SDK event-stream serde: no operation that streams events can run');
  }
}

const refuse = (): never => {
  throw new EventStreamsNotBundledError();
};

/** What a client's `eventStreamMarshaller` is asked for, only by an operation that streams events. */
export interface RefusingEventStreamMarshaller {
  serialize: () => never;
  deserialize: () => never;
}

/** The client's default `eventStreamSerdeProvider` (its runtime config): a marshaller that refuses. */
export const eventStreamSerdeProvider = (_options?: unknown): RefusingEventStreamMarshaller => ({
  serialize: refuse,
  deserialize: refuse,
});

/** The SDK's own config resolver, unchanged: the marshaller comes from the configured provider. */
export const resolveEventStreamSerdeConfig = <T extends { eventStreamSerdeProvider: (input: T) => unknown }>(
  input: T,
): T & { eventStreamMarshaller: unknown } =>
  Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

/** What a protocol loads (`import()`) to read or write an event stream: refused when it is built. */
export class EventStreamSerde {
  constructor(_options?: unknown) {
    refuse();
  }
}
