/**
 * Rewrites Ajv's standalone code into the same validators in fewer bytes. Ajv writes every error out in full
 * where it can happen: an object literal naming all of its fields, then the four statements that append it to
 * the list (`if(vErrors === null){vErrors = [err0];}else {vErrors.push(err0);}errors++;`), hundreds of times per
 * module; and every validator starts with bookkeeping for `unevaluatedProperties`, which no schema here uses.
 * Here each error becomes a call of one helper that builds the same object (same fields, same order, same
 * values) and appends it, given each value once (a schema path up to its keyword, a verbose error's schema
 * from its parent, an error Ajv words from one value by that value); a sub-validator's errors are appended by
 * another helper, the type coercion to a string and the test for a JSON object are one helper each, and the
 * dead bookkeeping goes. The helpers that do not depend on the module's options are written once for all modules
 * (`SHARED_HELPERS`). validator-calls.ts then passes a sub-validator its place in the data as arguments and
 * shares repeated strings.
 *
 * Nothing a caller sees changes: the same verdicts, the same `errors` (every field of every error, in the same
 * order), the same coercions. test/property/generated-validators.property.test.ts holds the generated
 * validators to Ajv's own standalone code of the same schemas and to Ajv compiling the schemas as written; each
 * rewrite below refuses to run on, or leaves alone, code it does not recognise, so an Ajv upgrade that writes
 * something else fails `npm run validators` or keeps Ajv's own form, never changes a validator.
 */
import ts from 'typescript';
import { placeArguments } from './validator-calls.ts';

/** The fields of an error object as Ajv writes them, in its order; `verbose` adds the last three. */
const ERROR_FIELDS = ['instancePath', 'schemaPath', 'keyword', 'params', 'message'] as const;
const VERBOSE_FIELDS = [...ERROR_FIELDS, 'schema', 'parentSchema', 'data'] as const;

/**
 * `pushError` builds an error from its fields, in Ajv's order, and appends it (`appendError`, shared). Most schema paths are the path of the schema that holds the keyword,
 * then the keyword (`#/properties/to/minProperties`): those are written as the path up to the keyword's place
 * (`#/properties/to/`, one constant for every keyword of that schema once strings are shared) and completed
 * here. A complete path never ends in `/` (`schemaPathOf` refuses one that would).
 */
const pushHelpers = (fields: readonly string[]): string => {
  const built = fields.map((field) =>
    field === 'schemaPath'
      ? 'schemaPath: schemaPath.endsWith("/") ? schemaPath + keyword : schemaPath'
      : field,
  );
  return (
    `function pushError(vErrors, ${fields.join(', ')}){return appendError(vErrors, {${built.join(', ')}});}` +
    (fields === VERBOSE_FIELDS ? PUSH_OF_HELPER : '') +
    keywordHelpers(fields === VERBOSE_FIELDS)
  );
};

/**
 * A verbose error's `schema` is most often its keyword's value in its `parentSchema`, which Ajv writes out as a
 * second path into the schema (`schema20.properties.to.required, schema20.properties.to`); `pushErrorOf` reads
 * it from there instead.
 */
const PUSH_OF_HELPER =
  'function pushErrorOf(vErrors, instancePath, schemaPath, keyword, params, message, parentSchema, data){' +
  'return pushError(vErrors, instancePath, schemaPath, keyword, params, message, parentSchema[keyword], parentSchema, data);}';

/**
 * The schema path argument of an error: up to the keyword's place when the path ends with the keyword.
 * @throws Error for a path that is not a string literal, or a complete one that ends in `/`
 */
const schemaPathOf = (schemaPath: string, keyword: string): string => {
  const path: unknown = /^"[^"\\]*"$/.test(schemaPath) ? JSON.parse(schemaPath) : undefined;
  const name: unknown = /^"[^"\\]*"$/.test(keyword) ? JSON.parse(keyword) : undefined;
  if (typeof path !== 'string') throw new Error(`a schema path that is not a plain string: ${schemaPath}`);
  if (typeof name === 'string' && path.endsWith(`/${name}`)) {
    return JSON.stringify(path.slice(0, -name.length));
  }
  if (path.endsWith('/')) throw new Error(`a schema path that ends in "/": ${schemaPath}`);
  return schemaPath;
};

/**
 * What Ajv says for the keywords whose error holds one value: the name of that value in `params`, and the message
 * (the words before the value and after it, or the same words whatever the value when there is no `after`).
 */
const WORDING: Readonly<Record<string, readonly [param: string, before: string, after?: string]>> = {
  type: ['type', 'must be ', ''],
  required: ['missingProperty', "must have required property '", "'"],
  pattern: ['pattern', 'must match pattern "', '"'],
  format: ['format', 'must match format "', '"'],
  additionalProperties: ['additionalProperty', 'must NOT have additional properties'],
  enum: ['allowedValues', 'must be equal to one of the allowed values'],
  maxLength: ['limit', 'must NOT have more than ', ' characters'],
  minLength: ['limit', 'must NOT have fewer than ', ' characters'],
  maxItems: ['limit', 'must NOT have more than ', ' items'],
  minItems: ['limit', 'must NOT have fewer than ', ' items'],
  maxProperties: ['limit', 'must NOT have more than ', ' properties'],
  minProperties: ['limit', 'must NOT have fewer than ', ' properties'],
};

/**
 * Such an error says its value up to three times (`"type", {type: "string"}, "must be string"`); `keywordError`
 * and `keywordErrorOf` (`pushError` and `pushErrorOf` for them) are given it once, and word it as Ajv does.
 */
const keywordHelpers = (verbose: boolean): string =>
  'function keywordError(vErrors, instancePath, schemaPath, keyword, value, ...verbose){' +
  'const [param, before, after] = keywordWording[keyword];' +
  'return pushError(vErrors, instancePath, schemaPath, keyword, {[param]: value}, ' +
  'after === undefined ? before : before + value + after, ...verbose);}' +
  (verbose
    ? 'function keywordErrorOf(vErrors, instancePath, schemaPath, keyword, value, parentSchema, data){' +
      'const [param, before, after] = keywordWording[keyword];' +
      'return pushErrorOf(vErrors, instancePath, schemaPath, keyword, {[param]: value}, ' +
      'after === undefined ? before : before + value + after, parentSchema, data);}'
    : '');

/**
 * The value of an error that `keywordError` can write: its params hold that value alone, and its message is
 * Ajv's wording of it exactly as Ajv wrote it (`"must be string"`, `"must have required property '"+missing0+"'"`).
 */
const wordedValue = (values: Map<string, string>): string | undefined => {
  const keyword = values.get('keyword');
  const wording = keyword && /^"\w+"$/.test(keyword) ? WORDING[JSON.parse(keyword) as string] : undefined;
  const params = literalFields(values.get('params') ?? '');
  const value = wording && params?.size === 1 ? params.get(wording[0]) : undefined;
  if (!wording || value === undefined) return undefined;
  const [, before, after] = wording;
  const message = values.get('message');
  if (after === undefined) return message === JSON.stringify(before) ? value : undefined;
  // A string or a whole number written out: Ajv puts it straight into its message.
  const literal = /^(?:"[^"\\]*"|\d+)$/.test(value)
    ? JSON.stringify(before + String(JSON.parse(value)) + after)
    : undefined;
  const joined = `${JSON.stringify(before)}+${value}+${JSON.stringify(after)}`;
  return message === literal || message === joined ? value : undefined;
};

/**
 * The call that appends one error: `pushErrorOf` when its schema is `parentSchema[keyword]`, else `pushError`
 * (`keywordErrorOf` and `keywordError` for an error Ajv words from one value).
 */
const pushCall = (values: Map<string, string>): string => {
  const [keyword, schema, parentSchema, schemaPath] = ['keyword', 'schema', 'parentSchema', 'schemaPath'].map(
    (name) => values.get(name),
  );
  const args = new Map(values).set('schemaPath', schemaPathOf(schemaPath ?? '', keyword ?? ''));
  const keywordName = keyword?.match(/^"(\w+)"$/)?.[1];
  const derived =
    keywordName !== undefined &&
    parentSchema !== undefined &&
    (schema === `${parentSchema}.${keywordName}` || schema === `${parentSchema}[${keyword}]`);
  if (derived) args.delete('schema');
  const value = wordedValue(values);
  if (value !== undefined) {
    args.set('params', value).delete('message');
    return `${derived ? 'keywordErrorOf' : 'keywordError'}(vErrors, ${[...args.values()].join(', ')})`;
  }
  return `${derived ? 'pushErrorOf' : 'pushError'}(vErrors, ${[...args.values()].join(', ')})`;
};

/** Appends a sub-validator's errors to the list, as Ajv does after a failed `$ref`. */
const CONCAT_HELPER =
  'function concatErrors(vErrors, errors){return vErrors === null ? errors : vErrors.concat(errors);}';

/** The source text of each property of an object literal, by name; undefined unless every one is `name: value`. */
const literalFields = (literal: string): Map<string, string> | undefined => {
  const file = ts.createSourceFile(
    'error.js',
    `(${literal})`,
    ts.ScriptTarget.ES2022,
    true,
    ts.ScriptKind.JS,
  );
  const statement = file.statements[0];
  if (!statement || !ts.isExpressionStatement(statement)) return undefined;
  const expression = statement.expression;
  if (!ts.isParenthesizedExpression(expression) || !ts.isObjectLiteralExpression(expression.expression)) {
    return undefined;
  }
  const fields = new Map<string, string>();
  for (const property of expression.expression.properties) {
    if (ts.isShorthandPropertyAssignment(property)) fields.set(property.name.text, property.name.text);
    else if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.name)) {
      fields.set(property.name.text, property.initializer.getText(file));
    } else return undefined;
  }
  return fields;
};

/** Whether `fields` are exactly `expected`, in that order. */
const hasFields = (fields: Map<string, string>, expected: readonly string[]): boolean =>
  fields.size === expected.length && [...fields.keys()].every((name, index) => name === expected[index]);

/**
 * `const errN = {...};if(vErrors === null){vErrors = [errN];}else {vErrors.push(errN);}errors++;` (Ajv's
 * `addError`): the constant is used by those statements only. The object literal is the shortest text that
 * the append of the same constant follows.
 */
const ADD_ERROR =
  /const (err\d+) = (\{.*?\});if\(vErrors === null\)\{vErrors = \[\1\];\}else \{vErrors\.push\(\1\);\}errors\+\+;/gs;

/** After a sub-validator (a shared sub-schema's `$ref`) fails: its errors are appended to the list. */
const CONCAT = /vErrors = vErrors === null \? (validate\d+)\.errors : vErrors\.concat\(\1\.errors\);/g;

/** `unevaluatedProperties`' bookkeeping, live only when a validator's evaluated properties are dynamic. */
const EVALUATED_PROLOGUE =
  /const (evaluated\d+) = validate\d+\.evaluated;if\(\1\.dynamicProps\)\{\1\.props = undefined;\}if\(\1\.dynamicItems\)\{\1\.items = undefined;\}/g;
const EVALUATED_RECORD = /validate\d+\.evaluated = (\{[^;]*\});/g;

/**
 * `coerceTypes`' turning a number, a boolean or null into a string, which Ajv writes out wherever a string is
 * expected (`coercedToString` answers undefined where Ajv reports the type error).
 */
const COERCE_TO_STRING =
  /let (dataType\d+) = typeof (\w+);let (coerced\d+) = undefined;if\(!\(\3 !== undefined\)\)\{if\(\1 == "number" \|\| \1 == "boolean"\)\{\3 = "" \+ \2;\}else if\(\2 === null\)\{\3 = "";\}else \{(vErrors = [^;]*;errors\+\+;)\}\}/g;
const COERCE_HELPER =
  'function coercedToString(data){const dataType = typeof data;' +
  'return dataType == "number" || dataType == "boolean" ? "" + data : data === null ? "" : undefined;}';

/** Ajv's test for a JSON object (truthy, an object, not an array), written out wherever one is expected. */
const IS_OBJECT = /(?<![\w.$])(\w+) && typeof \1 == "object" && !Array\.isArray\(\1\)/g;
const IS_OBJECT_HELPER =
  'function isObject(data){return Boolean(data) && typeof data == "object" && !Array.isArray(data);}';

/** `appendError` appends an error to the list, which is null while empty. */
const APPEND_HELPER =
  'function appendError(vErrors, err){if(vErrors === null){return [err];}vErrors.push(err);return vErrors;}';

/**
 * The helpers every module calls alike, whatever its options: written once, to `generated/validator-helpers.js`,
 * which each module imports (compile-validators.ts), so that a bundle with validators of both modules carries them
 * once. The ones that build an error differ by module (a verbose module's errors have three more fields) and stay
 * in it.
 */
export const SHARED_HELPERS = {
  appendError: APPEND_HELPER,
  concatErrors: CONCAT_HELPER,
  coercedToString: COERCE_HELPER,
  isObject: IS_OBJECT_HELPER,
  keywordWording: `const keywordWording = ${JSON.stringify(WORDING)};`,
} as const;

/** The module of the shared helpers, each exported. */
export const sharedHelpersModule = (): string =>
  Object.values(SHARED_HELPERS)
    .map((helper) => `export ${helper}`)
    .join('');

/**
 * The code of one standalone module, compacted: it calls the shared helpers (`SHARED_HELPERS`) without defining
 * them.
 * @param verbose whether the module was compiled with `verbose` (its errors carry schema, parentSchema, data)
 * @throws Error when an error object or a validator's bookkeeping is not in the form this rewrite knows
 */
export const compactValidators = (code: string, verbose: boolean): string => {
  const fields = verbose ? VERBOSE_FIELDS : ERROR_FIELDS;
  const errorsAdded = code.replace(ADD_ERROR, (_match, _name: string, literal: string) => {
    // Inside `not` and `if`, Ajv counts failures with empty errors, which it takes back out afterwards.
    if (literal === '{}') return 'vErrors = appendError(vErrors, {});errors++;';
    const values = literalFields(literal);
    if (!values || !hasFields(values, fields)) {
      throw new Error(`an error object with unexpected fields: ${literal}`);
    }
    return `vErrors = ${pushCall(values)};errors++;`;
  });
  if (/vErrors\.push\(|vErrors = \[/.test(errorsAdded)) {
    throw new Error('an error is appended in a form the compaction does not know');
  }
  const concatenated = errorsAdded.replace(CONCAT, 'vErrors = concatErrors(vErrors, $1.errors);');
  if (/vErrors\.concat\(/.test(concatenated)) {
    throw new Error("a sub-validator's errors are appended in a form the compaction does not know");
  }
  const records = [...concatenated.matchAll(EVALUATED_RECORD)].map((match) => match[1] ?? '');
  if (records.some((record) => !/"dynamicProps":false,"dynamicItems":false\}$/.test(record))) {
    throw new Error('a validator evaluates properties dynamically (unevaluatedProperties): not compacted');
  }
  const compacted = concatenated
    .replace(EVALUATED_PROLOGUE, '')
    .replace(EVALUATED_RECORD, '')
    .replace(COERCE_TO_STRING, 'let $3 = coercedToString($2);if($3 === undefined){$4}')
    .replace(IS_OBJECT, 'isObject($1)');
  if (/\.evaluated\b|\bevaluated\d/.test(compacted)) {
    throw new Error('a validator reads evaluated properties in a form the compaction does not know');
  }
  const useStrict = '"use strict";';
  if (!compacted.startsWith(useStrict)) throw new Error('standalone code without "use strict"');
  return placeArguments(`${useStrict}${pushHelpers(fields)}${compacted.slice(useStrict.length)}`);
};
