import type { ErrorObject } from 'ajv';
import { type FieldViolation, RequestValidationError } from '../errors.ts';
import { MAX_ECHOED_NAME_CHARS } from '../platform/settings.ts';
import { urlProblem } from './http-url.ts';

/** Field names whose `format`/`pattern` failure means "not an absolute http(s) URL". */
const URL_FIELDS = new Set(['Url', 'FallbackUrl', 'StatusCallback']);
const SID_FIELDS = new Set(['callSid', 'accountSid', 'parentCallSid', 'ParentCallSid']);

/**
 * How one input's refusals are worded. Two ways to name a field: an HTTP event or an EventBridge event names a
 * field by its place in its container (`/body/Url` → `Url`); a document validated whole (a cleanup policy)
 * gives a `prefix` saying where it was written, and every field is named by its full path from there
 * (`policy.to.prefixes[0]`).
 */
export interface ViolationContext {
  /**
   * Allowed field names per container (`body`, `detail`, ...), for the unknown-field message; without it,
   * the schema's own properties (verbose validators) are listed.
   */
  allowed?: Readonly<Record<string, readonly string[]>>;
  /** Words for a `pattern` failure on a field that is neither a URL nor a SID, by the field as named. */
  patterns?: Readonly<Record<string, string>>;
  /** Name fields by their full path after this prefix (`policy`, `CLEANUP_DEFAULT_POLICY`, or `''`). */
  prefix?: string;
  /** The rule a `pattern` failure breaks, when it is not `format` (a number checked as text breaks `range`). */
  patternRules?: Readonly<Record<string, string>>;
  /** The input validated, so that a refusal can say what is wrong with the value it names (a URL's host). */
  input?: unknown;
}

/**
 * What is wrong with a transfer's `dest` of the kind it starts as: an http(s) URL's problem (as a callback URL's is
 * worded), or a SIP URI's `user:password@`; undefined when it says no kind or its problem is none of these.
 */
export const destProblem = (dest: string): string | undefined => {
  if (/^https?:/i.test(dest)) return urlProblem(dest);
  return /^sips?:[^@]*:[^@]*@/i.test(dest)
    ? 'it carries user:password@ (a SIP URI takes a user only), which audit records would keep'
    : undefined;
};

const param = (error: ErrorObject, name: string): unknown => (error.params as Record<string, unknown>)[name];

/** The value at an Ajv instance path of `input` (own properties only), or undefined. */
const valueAt = (input: unknown, instancePath: string): unknown =>
  pathParts(instancePath).reduce<unknown>(
    (value, key) =>
      typeof value === 'object' && value !== null && Object.hasOwn(value, key)
        ? (value as Record<string, unknown>)[key]
        : undefined,
    input,
  );

/**
 * Names no input may use, at any depth: JavaScript gives them meaning on every object, so a parser or a copy
 * may drop them, or worse, act on them. They are refused by name rather than skipped.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Longest field name a refusal repeats; longer ones are cut, so an answer stays small whatever was sent. */
export const MAX_FIELD_NAME_CHARS = MAX_ECHOED_NAME_CHARS;

/**
 * A field name as a refusal shows it: never empty (`""` stands for the empty name), and at most
 * `MAX_FIELD_NAME_CHARS` characters (`…` marks a cut).
 */
export const fieldLabel = (name: string): string => {
  if (name === '') return '""';
  const chars = [...name];
  return chars.length > MAX_FIELD_NAME_CHARS ? `${chars.slice(0, MAX_FIELD_NAME_CHARS - 1).join('')}…` : name;
};

/** The refusal of a reserved or empty field name; undefined for any other name. */
export const keyNameViolation = (key: string): FieldViolation | undefined => {
  if (key === '') return { field: '""', rule: 'empty-name', message: 'empty field name ("") is not allowed' };
  if (RESERVED_KEYS.has(key)) {
    return { field: key, rule: 'reserved', message: `${key} is a reserved name and is never accepted` };
  }
  return undefined;
};

/** How deep `keyViolations` looks; anything deeper is refused by the schema's types anyway. */
const MAX_KEY_DEPTH = 8;

/**
 * Reserved (`__proto__`, `constructor`, `prototype`) and empty field names anywhere in a parsed input, in the
 * order met. Runs before schema validation, on every path (HTTP body and query, events), because a schema
 * cannot see a name a parser or a copy already dropped.
 */
export const keyViolations = (value: unknown, depth = 0): FieldViolation[] => {
  if (typeof value !== 'object' || value === null || depth > MAX_KEY_DEPTH) return [];
  const violations: FieldViolation[] = [];
  for (const key of Object.keys(value)) {
    const violation = keyNameViolation(key);
    if (violation) violations.push(violation);
    else violations.push(...keyViolations((value as Record<string, unknown>)[key], depth + 1));
  }
  return violations;
};

/** How a schema's type is said in a refusal: `must be a whole number`, on every trigger. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  string: 'a string',
  null: 'null',
};

const pathParts = (instancePath: string): string[] =>
  instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));

/** `/to/prefixes/0` under `policy` → `policy.to.prefixes[0]`. */
const fullPath = (prefix: string, parts: readonly string[]): string =>
  parts.reduce(
    (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part),
    prefix,
  );

/**
 * `/body/Url` → container `body`, field `Url`; `/pathParameters/callSid` → `callSid`. With a prefix, the
 * field is the full path (`policy.to.prefixes[0]`), and `child` names a property under it.
 */
const locate = (
  instancePath: string,
  prefix: string | undefined,
): { container: string; field: string | undefined; child: (name: string) => string } => {
  const parts = pathParts(instancePath);
  if (prefix !== undefined) {
    const field = fullPath(prefix, parts);
    return { container: '', field, child: (name) => fieldLabel(field ? `${field}.${name}` : name) };
  }
  return {
    container: parts[0] ?? '',
    field: parts.length > 1 ? parts.slice(1).join('.') : undefined,
    child: fieldLabel,
  };
};

/** The properties a schema object allows (from a verbose validator's `parentSchema`), or undefined. */
const propertiesOf = (error: ErrorObject): string[] | undefined => {
  const properties = (error.parentSchema as { properties?: object } | undefined)?.properties;
  return properties ? Object.keys(properties) : undefined;
};

const toViolation = (error: ErrorObject, context: ViolationContext): FieldViolation => {
  const located = locate(error.instancePath, context.prefix);
  const container = located.container;
  const field = located.field === undefined ? undefined : fieldLabel(located.field);
  const name = field ?? fieldLabel(container);
  const allowed = context.allowed?.[container] ?? propertiesOf(error);
  switch (error.keyword) {
    case 'required': {
      const missing = located.child(String(param(error, 'missingProperty')));
      return { field: missing, rule: 'required', message: `${missing} is required` };
    }
    case 'additionalProperties': {
      const raw = String(param(error, 'additionalProperty'));
      const named = keyNameViolation(raw);
      if (named) return named;
      const extra = located.child(raw);
      return {
        field: extra,
        rule: 'unknown-field',
        message: `${extra} is not a known field${allowed ? `; allowed: ${allowed.join(', ')}` : ''}`,
      };
    }
    case 'enum': {
      const values = (param(error, 'allowedValues') as unknown[]).join(', ');
      return { field: name, rule: 'enum', message: `${name} must be one of: ${values}` };
    }
    case 'format':
    case 'pattern':
      if (field && URL_FIELDS.has(field)) {
        const value = valueAt(context.input, error.instancePath);
        const problem = typeof value === 'string' ? urlProblem(value) : undefined;
        return {
          field,
          rule: 'url',
          message: `${field} must be an absolute http(s) URL (no user:password; a port, if given, from 1 to 65535)${problem ? `: ${problem}` : ''}`,
        };
      }
      if (field && SID_FIELDS.has(field)) {
        return { field, rule: 'sid', message: `${field} must be a SignalWire SID (a UUID)` };
      }
      {
        const value = field === 'dest' ? valueAt(context.input, error.instancePath) : undefined;
        const problem = typeof value === 'string' ? destProblem(value) : undefined;
        return {
          field: name,
          rule: context.patternRules?.[name] ?? 'format',
          message: `${name} ${context.patterns?.[name] ?? 'is not in the expected format'}${problem ? `: ${problem}` : ''}`,
        };
      }
    case 'dependentRequired': {
      const property = fieldLabel(String(param(error, 'property')));
      const missing = fieldLabel(String(param(error, 'missingProperty')));
      return {
        field: property,
        rule: 'requires',
        message: `${property} is only allowed together with ${missing}`,
      };
    }
    case 'minProperties':
      return {
        field: name,
        rule: 'required',
        // `api` names the API a change goes to (it is moved to the query before this check): no change by itself.
        message: `${name} must set at least one of: ${(allowed ?? []).filter((key) => key !== 'api').join(', ')}`,
      };
    case 'maxProperties':
      return { field: name, rule: 'empty', message: `${name} must be empty` };
    case 'not':
      return {
        field: 'Status',
        rule: 'exclusive',
        message: 'Status and Url cannot be sent together: end the call or redirect it, not both',
      };
    case 'type':
      return {
        field: name,
        rule: 'type',
        message: `${name} must be ${TYPE_WORDS[String(param(error, 'type'))] ?? String(param(error, 'type'))}`,
      };
    case 'uniqueItems':
      return { field: name, rule: 'unique', message: `${name} lists the same value twice` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        field: name,
        rule: 'range',
        message: `${name} must be ${String(param(error, 'comparison'))} ${String(param(error, 'limit'))}`,
      };
    case 'maxLength':
    case 'minLength': {
      const limit = Number(param(error, 'limit'));
      const message =
        error.keyword === 'maxLength'
          ? `${name} must be at most ${limit} characters long`
          : limit === 1
            ? `${name} must not be empty`
            : `${name} must be at least ${limit} characters long`;
      return { field: name, rule: 'length', message };
    }
    default:
      return { field: name, rule: error.keyword, message: `${name} ${error.message ?? 'is invalid'}` };
  }
};

/**
 * Turns Ajv's errors into one violation per field and rule, in the one wording every trigger answers with
 * (the HTTP API, "Call Update Requested" events, the cleanup's policy, the CLI).
 */
export const violationsFromAjv = (
  errors: readonly ErrorObject[] | null | undefined,
  context: ViolationContext = {},
): FieldViolation[] => {
  const seen = new Set<string>();
  const violations: FieldViolation[] = [];
  // A value too short (an empty one) also misses its pattern; the length says it all.
  const tooShort = new Set(
    (errors ?? []).filter((error) => error.keyword === 'minLength').map((error) => error.instancePath),
  );
  for (const error of errors ?? []) {
    // `format` and `pattern` both fire for a bad URL; `if`/`anyOf` wrappers add nothing a user needs.
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    if ((error.keyword === 'pattern' || error.keyword === 'format') && tooShort.has(error.instancePath))
      continue;
    const violation = toViolation(error, context);
    // Keyed by the field as sent, not as shown: two long names cut to the same label are still two fields.
    const named =
      param(error, 'additionalProperty') ??
      param(error, 'missingProperty') ??
      // Stryker disable next-line StringLiteral: equivalent, any one constant keys "no name" alike
      '';
    const key = `${error.instancePath}\u0000${String(named)}\u0000${violation.rule}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push(violation);
  }
  return violations;
};

/** The `cause` a route's event check (`http/route.ts`) attaches to its 400, in @middy/validator's format. */
interface MiddyValidationCause {
  package: string;
  data: ErrorObject[];
}

const isMiddyValidationError = (error: unknown): error is Error & { cause: MiddyValidationCause } => {
  if (!(error instanceof Error)) return false;
  const cause = error.cause as Partial<MiddyValidationCause> | undefined;
  return cause?.package === '@middy/validator' && Array.isArray(cause.data);
};

/** Converts a route's event-check error into a `RequestValidationError`; other errors pass through. */
export const fromMiddyValidation = (error: unknown, context: ViolationContext = {}): unknown =>
  isMiddyValidationError(error)
    ? new RequestValidationError(violationsFromAjv(error.cause.data, context))
    : error;
