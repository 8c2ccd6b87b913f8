/**
 * Compile-time checks (`npm run typecheck`) that the public event contract types in
 * `functions/commons/events/contracts.ts` say what the JSON Schemas in `functions/commons/events/contracts/`
 * (the contracts' one source) say, as `json-schema-to-ts` reads them. The public types stay written out,
 * not derived, because they are exported from the package: derived ones would put `FromSchema` (a
 * devDependency) into its declarations, and they carry the documentation integrators read in their editor.
 * A change to a schema that the types do not follow, or the reverse, fails the typecheck here.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type {
  CallStatusChangedDetail,
  CallUpdatedDetail,
  CallUpdateFailedDetail,
  CallUpdateRequestedDetail,
  callStatusChangedDetailJsonSchema,
  callUpdatedDetailJsonSchema,
  callUpdateFailedDetailJsonSchema,
  callUpdateRequestedDetailJsonSchema,
} from '../../functions/commons/events/contracts.ts';

/** Exactly the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Extends<A, B> = [A] extends [B] ? true : false;
const holds = <_Check extends true>(): void => undefined;

type Requested = FromSchema<typeof callUpdateRequestedDetailJsonSchema>;
type Updated = FromSchema<typeof callUpdatedDetailJsonSchema>;
type Failed = FromSchema<typeof callUpdateFailedDetailJsonSchema>;
type StatusChanged = FromSchema<typeof callStatusChangedDetailJsonSchema>;

// The two details the functions build field by field are the schemas' types exactly.
holds<Equal<CallUpdateFailedDetail, Failed>>();
holds<Equal<CallStatusChangedDetail, StatusChanged>>();

// A request: every detail the schema accepts is a CallUpdateRequestedDetail, and it names the same fields. The
// schema is sharper than the type (an `update` is required with action update, and empty with terminate):
// that rule is the runtime validation's, the type keeps one plain shape producers can build.
holds<Extends<Requested, CallUpdateRequestedDetail>>();
holds<Equal<keyof CallUpdateRequestedDetail, keyof Requested>>();

// A result: the same fields, each the same but two the schema leaves open. `change` is any string map there
// (the type narrows it to CallUpdate); `call` is SignalWire's Call resource, of which the schema describes
// the main fields and allows more: each described field of the published Call fits its schema.
type FieldsFit<A, B, Keys extends keyof A & keyof B, Exact extends boolean> = {
  [P in Keys]: Exact extends true ? Equal<A[P], B[P]> : Extends<A[P], B[P]>;
};
type AllTrue<T> = T[keyof T] extends true ? true : false;
type DescribedCallField = keyof (typeof callUpdatedDetailJsonSchema)['definitions']['Call']['properties'];
holds<Equal<keyof CallUpdatedDetail, keyof Updated>>();
holds<
  AllTrue<FieldsFit<CallUpdatedDetail, Updated, Exclude<keyof CallUpdatedDetail, 'call' | 'change'>, true>>
>();
holds<AllTrue<FieldsFit<CallUpdatedDetail['call'], Updated['call'], DescribedCallField, false>>>();
