/**
 * What every event contract shares: the source the functions publish with, EventBridge's envelope, the fields
 * that tie a result to its request, and the shape of a contract module (one per detail-type, in this folder).
 */

/** `source` of every event the functions publish, unless `CallControl`'s `eventSource` prop says otherwise. */
// Not `signalwire.…`: these events are published by this deployment, not by SignalWire (before 0.2.0 it was
// `signalwire.call-control`).
export const DEFAULT_EVENT_SOURCE = 'call-control';

/** How a published schema names the source of the events the functions publish: configurable, with its default. */
export const PUBLISHED_SOURCE =
  `source: the deployment's eventSource, "${DEFAULT_EVENT_SOURCE}" by default` as const;

/** What a "Call Update Requested" event asks for (`transfer`: native calls only). */
export const CALL_UPDATE_REQUEST_ACTIONS = ['update', 'terminate', 'transfer'] as const;

/** The two APIs a call may belong to (the same pair as `calling/vocabulary.ts`'s `CALL_APIS`). */
export const CALL_APIS = ['compatibility', 'calling'] as const;
export type CallApiName = (typeof CALL_APIS)[number];
export type CallUpdateRequestAction = (typeof CALL_UPDATE_REQUEST_ACTIONS)[number];

/** EventBridge's envelope, as `aws-lambda`'s `EventBridgeEvent`: declared here so the package needs no @types. */
export interface EventBridgeEnvelopeOf<TDetailType extends string, TDetail> {
  id: string;
  version: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  source: string;
  'detail-type': TDetailType;
  detail: TDetail;
  'replay-name'?: string;
}

/** Fields every result event ("Call Updated", "Call Update Failed") carries to tie it to its request. */
export interface CallUpdateResultBase {
  /** `id` of the "Call Update Requested" event this answers. */
  requestEventId: string;
  /** `source` of the request. */
  requestSource: string;
  /** The request's correlation id, or null when it gave none. */
  correlationId: string | null;
  /** The request's idempotency key, or null when it gave none. */
  idempotencyKey: string | null;
  /**
   * True when the request was a repeat (same event id, or same idempotency key from the same source) of one
   * already handled: the outcome is the one recorded then, and the call was not touched again.
   */
  replayed: boolean;
}

/**
 * One event contract, as its module exports it: the detail-type, the published draft-04 schema of its
 * `detail` (`npm run schemas` writes it to `schemas/events/<fileName>`), and its name in the schema registry
 * (`<source>@<schemaType>`, EventBridge's convention). The TypeScript type sits next to it in the same module.
 */
export interface EventContract<TDetailType extends string = string> {
  readonly detailType: TDetailType;
  /** File name inside `schemas/events/`. */
  readonly fileName: string;
  /** Schema name in the registry after `<source>@`. */
  readonly schemaType: string;
  /** The published JSON Schema (draft-04) of the `detail`. */
  readonly detailJsonSchema: { readonly title: string; readonly description: string };
}
