import {
  CALL_STATUS_CHANGED,
  CALL_UPDATE_FAILED,
  CALL_UPDATE_REQUESTED,
  CALL_UPDATED,
} from '../contracts.ts';
import { callStatusChangedDetailJsonSchema } from './call-status-changed.ts';
import { callUpdateFailedDetailJsonSchema } from './call-update-failed.ts';
import { callUpdateRequestedDetailJsonSchema } from './call-update-requested.ts';
import { callUpdatedDetailJsonSchema } from './call-updated.ts';

/**
 * The JSON Schemas of the event details: the one source of the event contracts. `npm run schemas` writes
 * them to `schemas/events/` (what integrators and the schema registry read); the public TypeScript types in
 * `contracts.ts` are checked against the types `json-schema-to-ts` derives from them
 * (`test/unit/event-contract-types.test.ts`). Edit here, then run `npm run schemas`.
 */
export {
  callStatusChangedDetailJsonSchema,
  callUpdatedDetailJsonSchema,
  callUpdateFailedDetailJsonSchema,
  callUpdateRequestedDetailJsonSchema,
};

/** Each schema with its detail-type and the file it is written to. */
export const EVENT_DETAIL_JSON_SCHEMAS = [
  {
    detailType: CALL_UPDATE_REQUESTED,
    fileName: 'call-update-requested.schema.json',
    schema: callUpdateRequestedDetailJsonSchema,
  },
  { detailType: CALL_UPDATED, fileName: 'call-updated.schema.json', schema: callUpdatedDetailJsonSchema },
  {
    detailType: CALL_UPDATE_FAILED,
    fileName: 'call-update-failed.schema.json',
    schema: callUpdateFailedDetailJsonSchema,
  },
  {
    detailType: CALL_STATUS_CHANGED,
    fileName: 'call-status-changed.schema.json',
    schema: callStatusChangedDetailJsonSchema,
  },
] as const;

/** The text of a schema file: two-space JSON with a final newline (Biome leaves `schemas/events/` alone). */
export const schemaFileText = (schema: object): string => `${JSON.stringify(schema, null, 2)}\n`;
