import { callStatusChangedContract } from './call-status-changed.ts';
import { callUpdateFailedContract } from './call-update-failed.ts';
import { callUpdateRequestedContract } from './call-update-requested.ts';
import { callUpdatedContract } from './call-updated.ts';

/**
 * Every event contract, one module each in this folder: the detail-type, the TypeScript type, the runtime
 * schema (where a function validates it), the published draft-04 schema and its file and registry names.
 * `npm run schemas` writes the published schemas to `schemas/events/` (what integrators and the schema registry
 * read); the infra (`infra/event-contract.ts`, `infra/event-schemas.ts`) reads the names from here, and
 * `test/types/event-contract-types.ts` checks each TypeScript type against the type `json-schema-to-ts` derives
 * from its schema. Edit a contract's module, then run `npm run schemas`.
 */
export const EVENT_CONTRACTS = [
  callUpdateRequestedContract,
  callUpdatedContract,
  callUpdateFailedContract,
  callStatusChangedContract,
] as const;

/** The text of a schema file: two-space JSON with a final newline (Biome leaves `schemas/events/` alone). */
export const schemaFileText = (schema: object): string => `${JSON.stringify(schema, null, 2)}\n`;
