import Ajv2020, { type AnySchema } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '#commons/errors';
import {
  destProblem,
  fromMiddyValidation,
  keyViolations,
  type ViolationContext,
  violationsFromAjv,
} from '#commons/validation/violations';

// What a caller reads for each rule a schema can break: the refusals are produced by a real Ajv, compiled as the
// project compiles its validators (scripts/compile-validators.ts: 2020 dialect, strict, every error, formats),
// so a change of wording or of the field named shows here, whatever trigger (HTTP, event, policy, CLI) uses it.

const ajvFor = (verbose: boolean) => {
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose });
  addFormats(ajv);
  return ajv;
};
const plain = ajvFor(false);
const verbose = ajvFor(true);

/** The refusals of `input` under `schema`, as a caller reads them. */
const refusals = (schema: AnySchema, input: unknown, context: ViolationContext = {}, ajv = plain) => {
  const validate = ajv.compile(schema);
  expect(validate(input)).toBe(false);
  return violationsFromAjv(validate.errors, context);
};

/** An HTTP-event-like input: one container (`body`) holding the fields. */
const inBody = (properties: Record<string, AnySchema>, extra: Record<string, unknown> = {}): AnySchema => ({
  type: 'object',
  properties: { body: { type: 'object', properties, ...extra } },
});

describe('refusals name the rule broken, in the words a caller reads', () => {
  it.each([
    [
      'a missing field',
      inBody({ a: { type: 'string' } }, { required: ['a'] }),
      {},
      'a',
      'required',
      'a is required',
    ],
    [
      'a value outside its list',
      inBody({ a: { enum: ['x', 'y'] } }),
      { a: 'z' },
      'a',
      'enum',
      'a must be one of: x, y',
    ],
    [
      'a value in the wrong format',
      inBody({ when: { type: 'string', format: 'date-time' } }),
      { when: 'soon' },
      'when',
      'format',
      'when is not in the expected format',
    ],
    [
      'a SID that is not a UUID',
      inBody({ callSid: { type: 'string', format: 'uuid' } }),
      { callSid: 'CA123' },
      'callSid',
      'sid',
      'callSid must be a SignalWire SID (a UUID)',
    ],
    [
      'a value that does not match its pattern, on a field that is not a SID',
      inBody({ code: { type: 'string', pattern: '^[0-9]+$' } }),
      { code: 'abc' },
      'code',
      'format',
      'code is not in the expected format',
    ],
    [
      'a field that needs another',
      inBody({ a: { type: 'string' }, b: { type: 'string' } }, { dependentRequired: { a: ['b'] } }),
      { a: 'x' },
      'a',
      'requires',
      'a is only allowed together with b',
    ],
    [
      'an object that must be empty',
      inBody({}, { maxProperties: 0 }),
      { a: 1 },
      'body',
      'empty',
      'body must be empty',
    ],
    [
      'Status and Url together',
      inBody(
        { Status: { type: 'string' }, Url: { type: 'string' } },
        { not: { required: ['Status', 'Url'], properties: { Status: {}, Url: {} } } },
      ),
      { Status: 'completed', Url: 'https://example.com/' },
      'Status',
      'exclusive',
      'Status and Url cannot be sent together: end the call or redirect it, not both',
    ],
    [
      'a value of a type no single word names',
      inBody({ a: { type: ['integer', 'null'] } }),
      { a: 'x' },
      'a',
      'type',
      'a must be integer,null',
    ],
    [
      'a list with a value twice',
      inBody({ a: { type: 'array', uniqueItems: true } }),
      { a: [1, 1] },
      'a',
      'unique',
      'a lists the same value twice',
    ],
    [
      'a number below its minimum',
      inBody({ a: { type: 'number', minimum: 1 } }),
      { a: 0 },
      'a',
      'range',
      'a must be >= 1',
    ],
    [
      'a number above its maximum',
      inBody({ a: { type: 'number', maximum: 9 } }),
      { a: 10 },
      'a',
      'range',
      'a must be <= 9',
    ],
    [
      'a number not above its exclusive minimum',
      inBody({ a: { type: 'number', exclusiveMinimum: 0 } }),
      { a: 0 },
      'a',
      'range',
      'a must be > 0',
    ],
    [
      'a number not below its exclusive maximum',
      inBody({ a: { type: 'number', exclusiveMaximum: 9 } }),
      { a: 9 },
      'a',
      'range',
      'a must be < 9',
    ],
    [
      'a text too long',
      inBody({ a: { type: 'string', maxLength: 3 } }),
      { a: 'abcd' },
      'a',
      'length',
      'a must be at most 3 characters long',
    ],
    [
      'a text too short',
      inBody({ a: { type: 'string', minLength: 3 } }),
      { a: 'ab' },
      'a',
      'length',
      'a must be at least 3 characters long',
    ],
    [
      'a rule without words of its own (said as Ajv says it)',
      inBody({ a: { const: 'x' } }),
      { a: 'y' },
      'a',
      'const',
      'a must be equal to constant',
    ],
  ] as const)('%s', (_name, schema, body, field, rule, message) => {
    expect(refusals(schema, { body })).toEqual([{ field, rule, message }]);
  });

  it('says "is invalid" for a rule Ajv gave no message for', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true, messages: false });
    const validate = ajv.compile(inBody({ a: { const: 'x' } }));
    validate({ body: { a: 'y' } });

    expect(violationsFromAjv(validate.errors)).toEqual([
      { field: 'a', rule: 'const', message: 'a is invalid' },
    ]);
  });

  it('names every missing field, not only the first one of an object', () => {
    const schema = inBody({ a: { type: 'string' }, b: { type: 'string' } }, { required: ['a', 'b'] });

    expect(refusals(schema, { body: {} }).map(({ message }) => message)).toEqual([
      'a is required',
      'b is required',
    ]);
  });

  it('names the fields an object must set at least one of, or none when it does not know them', () => {
    const schema = inBody({ a: { type: 'string' }, b: { type: 'string' } }, { minProperties: 1 });

    expect(refusals(schema, { body: {} }, { allowed: { body: ['a', 'b'] } })).toEqual([
      { field: 'body', rule: 'required', message: 'body must set at least one of: a, b' },
    ]);
    expect(refusals(schema, { body: {} })).toEqual([
      { field: 'body', rule: 'required', message: 'body must set at least one of: ' },
    ]);
  });

  it('leaves `api` out of the fields a change must set one of: it names where a change goes, and is none', () => {
    const schema = inBody({ api: { type: 'string' }, Status: { type: 'string' } }, { minProperties: 1 });

    expect(refusals(schema, { body: {} }, { allowed: { body: ['api', 'Status', 'Url'] } })).toEqual([
      { field: 'body', rule: 'required', message: 'body must set at least one of: Status, Url' },
    ]);
  });

  it("adds what is wrong with a transfer's dest to its refusal, and to no other field's", () => {
    const schema = inBody({ dest: { type: 'string', pattern: '^x' }, to: { type: 'string', pattern: '^x' } });
    const credentials = 'http://user:pw@example.com/a.swml';

    expect(
      refusals(
        schema,
        { body: { dest: credentials, to: credentials } },
        { input: { body: { dest: credentials, to: credentials } } },
      ),
    ).toEqual([
      {
        field: 'dest',
        rule: 'format',
        message: `dest is not in the expected format: ${destProblem(credentials)}`,
      },
      { field: 'to', rule: 'format', message: 'to is not in the expected format' },
    ]);
  });

  it('says what is wrong with a dest by the kind its start names, http as well as https, sip as well as sips', () => {
    expect(destProblem('http://user:pw@example.com/a.swml')).toContain('user:password@');
    expect(destProblem('https://user:pw@example.com/a.swml')).toContain('user:password@');
    expect(destProblem('sips:agent:pw@example.com')).toBe(
      'it carries user:password@ (a SIP URI takes a user only), which audit records would keep',
    );
    // A kind named later in the text is not the dest's kind: a SIP URI whose header holds a URL is judged as SIP,
    // and a text that starts as neither says nothing.
    expect(destProblem('sip:agent:pw@example.com?x=http:y')).toBe(
      'it carries user:password@ (a SIP URI takes a user only), which audit records would keep',
    );
    expect(destProblem('tel:sip:agent:pw@example.com')).toBeUndefined();
    expect(destProblem('+15551234567')).toBeUndefined();
  });

  it('uses the words and the rule a caller gives for a pattern', () => {
    const schema = inBody({ size: { type: 'string', pattern: '^[0-9]+$' } });
    const context = { patterns: { size: 'must be digits' }, patternRules: { size: 'range' } };

    expect(refusals(schema, { body: { size: 'ten' } }, context)).toEqual([
      { field: 'size', rule: 'range', message: 'size must be digits' },
    ]);
  });
});

describe('unknown and reserved field names', () => {
  const closed = inBody({ a: { type: 'string' }, b: { type: 'string' } }, { additionalProperties: false });

  it('lists the fields allowed: those the caller names, else those of the schema, else none', () => {
    expect(refusals(closed, { body: { c: 1 } }, { allowed: { body: ['a'] } }, verbose)).toEqual([
      { field: 'c', rule: 'unknown-field', message: 'c is not a known field; allowed: a' },
    ]);
    expect(refusals(closed, { body: { c: 1 } }, {}, verbose)).toEqual([
      { field: 'c', rule: 'unknown-field', message: 'c is not a known field; allowed: a, b' },
    ]);
    expect(refusals(closed, { body: { c: 1 } })).toEqual([
      { field: 'c', rule: 'unknown-field', message: 'c is not a known field' },
    ]);
  });

  it('refuses an unknown field with a reserved name as reserved, not as unknown', () => {
    expect(refusals(closed, { body: { constructor: 1 } })).toEqual([
      {
        field: 'constructor',
        rule: 'reserved',
        message: 'constructor is a reserved name and is never accepted',
      },
    ]);
  });

  const nested = (depth: number, inner: unknown): unknown =>
    depth === 0 ? inner : { level: nested(depth - 1, inner) };

  it('finds a reserved name 8 objects deep, and stops looking below that (the schemas refuse deeper input)', () => {
    const reserved = JSON.parse('{"__proto__": 1}') as unknown;

    expect(keyViolations(nested(8, reserved))).toEqual([
      { field: '__proto__', rule: 'reserved', message: '__proto__ is a reserved name and is never accepted' },
    ]);
    expect(keyViolations(nested(9, reserved))).toEqual([]);
  });

  it('passes over null values inside an input', () => {
    expect(keyViolations({ a: null, b: [null, { c: null }] })).toEqual([]);
  });
});

describe('how a field is named', () => {
  it('names a field inside an object of the body by its dotted path', () => {
    const schema = inBody({ to: { type: 'object', properties: { number: { type: 'string' } } } });

    expect(refusals(schema, { body: { to: { number: 7 } } })).toEqual([
      { field: 'to.number', rule: 'type', message: 'to.number must be a string' },
    ]);
  });

  it('names an input that is wrong as a whole "" (never leaves the field empty)', () => {
    expect(refusals({ type: 'object' }, 5)).toEqual([
      { field: '""', rule: 'type', message: '"" must be an object' },
    ]);
  });

  it('names a field with "/" or "~" in its name as it was sent', () => {
    const schema = inBody({ 'a/b': { type: 'string' }, 'c~d': { type: 'string' } });

    expect(refusals(schema, { body: { 'a/b': 1, 'c~d': 1 } }).map(({ field }) => field)).toEqual([
      'a/b',
      'c~d',
    ]);
  });

  it('with a prefix, names fields by their full path, list positions in brackets', () => {
    const schema: AnySchema = {
      type: 'object',
      properties: {
        v2: { type: 'object', properties: { '2x': { type: 'string' }, max: {} }, required: ['max'] },
        list: { type: 'array', items: { type: 'string' } },
      },
    };
    const input = { v2: { '2x': 1 }, list: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 7] };

    expect(refusals(schema, input, { prefix: 'policy' }).map(({ field }) => field)).toEqual([
      'policy.v2.max',
      'policy.v2.2x',
      'policy.list[10]',
    ]);
  });

  it('with an empty prefix, names a document field by its own path, and a field of the document alone', () => {
    const schema: AnySchema = {
      type: 'object',
      properties: { name: {}, to: { type: 'object', properties: { max: {} }, required: ['max'] } },
      required: ['name'],
    };

    expect(refusals(schema, { to: {} }, { prefix: '' }).map(({ field }) => field)).toEqual([
      'name',
      'to.max',
    ]);
  });

  it('with a prefix, lists the fields the caller allows for the document', () => {
    const schema: AnySchema = { type: 'object', properties: { a: {} }, additionalProperties: false };

    expect(refusals(schema, { b: 1 }, { prefix: 'policy', allowed: { '': ['a', 'z'] } })).toEqual([
      { field: 'policy.b', rule: 'unknown-field', message: 'policy.b is not a known field; allowed: a, z' },
    ]);
  });
});

describe('one refusal per field and rule', () => {
  it('says nothing for no errors', () => {
    expect(violationsFromAjv(null)).toEqual([]);
    expect(violationsFromAjv(undefined)).toEqual([]);
  });

  it('says a URL is wrong once, though both its format and its pattern fail', () => {
    const schema = inBody({ Url: { type: 'string', format: 'uri', pattern: '^https?://' } });

    expect(refusals(schema, { body: { Url: 'ftp:x' } })).toEqual([
      {
        field: 'Url',
        rule: 'url',
        message: 'Url must be an absolute http(s) URL (no user:password; a port, if given, from 1 to 65535)',
      },
    ]);
  });

  it('says an empty value is empty, not also in the wrong format or pattern', () => {
    const schema = inBody({
      Url: { type: 'string', minLength: 1, format: 'uri' },
      code: { type: 'string', minLength: 1, pattern: '^[0-9]+$' },
    });

    expect(refusals(schema, { body: { Url: '', code: '' } })).toEqual([
      { field: 'Url', rule: 'length', message: 'Url must not be empty' },
      { field: 'code', rule: 'length', message: 'code must not be empty' },
    ]);
  });

  it.each([
    ['anyOf', { anyOf: [{ type: 'string' }, { type: 'integer' }] }],
    ['oneOf', { oneOf: [{ type: 'string' }, { type: 'integer' }] }],
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
    ['if/then', { if: { type: 'string' }, then: { type: 'string', minLength: 2 } }],
  ])('names the broken rules inside %s, not the wrapper', (keyword, rule) => {
    const violations = refusals(inBody({ a: rule }), { body: { a: keyword === 'if/then' ? 'x' : true } });

    expect(violations.length).toBeGreaterThan(0);
    expect(violations.map((v) => v.rule)).not.toContain(keyword.split('/')[0]);
  });
});

describe("middy's validation error", () => {
  const data = [
    { keyword: 'required', instancePath: '/body', schemaPath: '#', params: { missingProperty: 'a' } },
  ];

  it('becomes a request validation error naming the field', () => {
    const converted = fromMiddyValidation(
      new Error('Event object failed validation', { cause: { package: '@middy/validator', data } }),
    );

    expect(converted).toBeInstanceOf(RequestValidationError);
    expect((converted as RequestValidationError).violations).toEqual([
      { field: 'a', rule: 'required', message: 'a is required' },
    ]);
  });

  it('is recognised only as an Error: a lookalike object passes through unchanged', () => {
    const lookalike = { cause: { package: '@middy/validator', data } };

    expect(fromMiddyValidation(lookalike)).toBe(lookalike);
  });
});
