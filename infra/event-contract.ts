/**
 * The EventBridge contract of the call-control functions: who they say they are and the detail-types they
 * read and write, read from the contracts' modules (`functions/commons/events/contracts/`). The JSON Schemas of
 * the details are published in `schemas/events/`.
 */

import {
  CALL_STATUS_CHANGED,
  CALL_UPDATE_FAILED,
  CALL_UPDATE_REQUESTED,
  CALL_UPDATED,
  DEFAULT_EVENT_SOURCE,
  EVENT_CONTRACTS,
} from '../functions/commons/events/contracts.ts';

// The event contract types: what producers put on the bus and consumers of the result events read.
export type {
  CallStatusChangedDetail,
  CallUpdatedDetail,
  CallUpdateError,
  CallUpdateFailedDetail,
  CallUpdateRequestAction,
  CallUpdateRequestedDetail,
  CallUpdateRequestedEvent,
  CallUpdateResultBase,
  EventBridgeEnvelopeOf,
} from '../functions/commons/events/contracts.ts';

// The names live with the functions that read and write them; the infrastructure reads them from there.
export { CALL_STATUS_CHANGED, CALL_UPDATE_FAILED, CALL_UPDATE_REQUESTED, CALL_UPDATED, DEFAULT_EVENT_SOURCE };

/**
 * Default `source` of every event the functions publish (`CallControl`'s `eventSource` prop sets another).
 * @deprecated since 0.2.0: read `DEFAULT_EVENT_SOURCE`, or `CallControl.eventSource` for the one in use.
 */
export const EVENT_SOURCE = DEFAULT_EVENT_SOURCE;

/** One event type published in the schema registry. */
export interface EventSchemaFile {
  /** `detail-type` of the event. */
  readonly detailType: string;
  /** File name inside the schemas directory. */
  readonly fileName: string;
  /** Schema name in the registry after `<source>@`, following EventBridge's `<source>@<DetailType>` convention. */
  readonly schemaType: string;
}

/** Read from the contracts' own modules: each names its file and registry name next to its schema. */
export const EVENT_SCHEMA_FILES: readonly EventSchemaFile[] = EVENT_CONTRACTS.map(
  ({ detailType, fileName, schemaType }) => ({ detailType, fileName, schemaType }),
);
