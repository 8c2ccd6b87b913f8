import type { ErrorObject } from 'ajv';
import { type FieldViolation, RequestValidationError } from './errors.ts';

/** Field names whose `format`/`pattern` failure means "not an absolute http(s) URL". */
const URL_FIELDS = new Set(['Url', 'FallbackUrl', 'StatusCallback']);
const SID_FIELDS = new Set(['callSid', 'accountSid', 'parentCallSid', 'ParentCallSid']);

export interface ViolationContext {
  /** Allowed field names per container (`body`, `detail`, ...), for the unknown-field message. */
  allowed?: Readonly<Record<string, readonly string[]>>;
  /** Words for a `pattern` failure on a field that is neither a URL nor a SID. */
  patterns?: Readonly<Record<string, string>>;
}

const param = (error: ErrorObject, name: string): unknown => (error.params as Record<string, unknown>)[name];

/** `/body/Url` → container `body`, field `Url`; `/pathParameters/callSid` → `callSid`. */
const locate = (instancePath: string): { container: string; field: string | undefined } => {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const container = parts[0] ?? '';
  return { container, field: parts.length > 1 ? parts.slice(1).join('.') : undefined };
};

const toViolation = (error: ErrorObject, context: ViolationContext): FieldViolation => {
  const { container, field } = locate(error.instancePath);
  const name = field ?? container;
  switch (error.keyword) {
    case 'required': {
      const missing = String(param(error, 'missingProperty'));
      return { field: missing, rule: 'required', message: `${missing} is required` };
    }
    case 'additionalProperties': {
      const extra = String(param(error, 'additionalProperty'));
      const allowed = context.allowed?.[container];
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
        return { field, rule: 'url', message: `${field} must be an absolute http(s) URL` };
      }
      if (field && SID_FIELDS.has(field)) {
        return { field, rule: 'sid', message: `${field} must be a SignalWire SID (a UUID)` };
      }
      return {
        field: name,
        rule: 'format',
        message: `${name} ${context.patterns?.[name] ?? 'is not in the expected format'}`,
      };
    case 'dependentRequired': {
      const property = String(param(error, 'property'));
      const missing = String(param(error, 'missingProperty'));
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
        message: `${name} must set at least one of: ${(context.allowed?.[container] ?? []).join(', ')}`,
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
        message: `${name} must be a single ${String(param(error, 'type'))}`,
      };
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
    case 'minLength':
      return {
        field: name,
        rule: 'length',
        message: `${name} must have ${error.message ?? 'a valid length'}`,
      };
    default:
      return { field: name, rule: error.keyword, message: `${name} ${error.message ?? 'is invalid'}` };
  }
};

/** Turns Ajv's errors into one violation per field and rule, in the words the API answers with. */
export const violationsFromAjv = (
  errors: readonly ErrorObject[] | null | undefined,
  context: ViolationContext = {},
): FieldViolation[] => {
  const seen = new Set<string>();
  const violations: FieldViolation[] = [];
  for (const error of errors ?? []) {
    // `format` and `pattern` both fire for a bad URL; `if`/`anyOf` wrappers add nothing a user needs.
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const violation = toViolation(error, context);
    const key = `${violation.field}\u0000${violation.rule}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push(violation);
  }
  return violations;
};

/** The `cause` middy's validator attaches to its 400. */
interface MiddyValidationCause {
  package: string;
  data: ErrorObject[];
}

const isMiddyValidationError = (error: unknown): error is Error & { cause: MiddyValidationCause } => {
  if (!(error instanceof Error)) return false;
  const cause = error.cause as Partial<MiddyValidationCause> | undefined;
  return cause?.package === '@middy/validator' && Array.isArray(cause.data);
};

/** Converts middy's validator error into a `RequestValidationError`; other errors pass through. */
export const fromMiddyValidation = (error: unknown, context: ViolationContext = {}): unknown =>
  isMiddyValidationError(error)
    ? new RequestValidationError(violationsFromAjv(error.cause.data, context))
    : error;
