import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import ajvUcs2length from 'ajv/dist/runtime/ucs2length.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as strict from '#commons/generated/strict-validators';
import * as http from '#commons/generated/validators';
import * as copiedFormats from '#commons/validation/formats';
import { VALIDATOR_MODULES } from '#commons/validation/registry';
import { compilerFor, standaloneModule } from '../../scripts/compile-validators.ts';
import { shareSubschemas } from '../../scripts/shared-subschemas.ts';

/**
 * The generated validators share each repeated sub-schema through a `$ref` (scripts/shared-subschemas.ts). They
 * must answer exactly as Ajv does when it compiles the registry's schemas as written: the same verdict, the
 * same errors in the same order (everything but `schemaPath`, which is relative to the shared schema), the
 * same coercions of the input. Inputs are built from the schemas themselves (their fields, enums and
 * constants) and mixed with the values that break their rules: wrong types, arrays, bad URLs, ports and SIDs.
 */

const SEED = Number(process.env.FC_SEED ?? 20_261_130);
const RUNS = 1500;

type SchemaNode = { readonly [keyword: string]: unknown };
const isNode = (value: unknown): value is SchemaNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const SAMPLES: readonly unknown[] = [
  '',
  'x',
  '0f0e0d0c-0b0a-4909-8807-060504030201',
  '0F0E0D0C-0B0A-4909-8807-06050403020',
  'https://example.com/laml',
  'HTTP://example.com:8080/x?y#z',
  'https://[::1]:443/',
  'https://example.com:99999/',
  'https://example.com:0/',
  'https://user:pw@example.com/',
  'ftp://example.com/',
  'https://exa mple.com/',
  `https://example.com/${'a'.repeat(2100)}`,
  'GET',
  'post',
  'completed',
  'canceled',
  'in-progress',
  '2026-11-30 01:00:00+00:00',
  '5',
  '300',
  '0x10',
  'Infinity',
  ' 5',
  'a'.repeat(300),
  0,
  1,
  5,
  300,
  1.5,
  -1,
  true,
  false,
  null,
  [],
  ['completed'],
  {},
];

/** Every `properties` a value at this schema may meet, including those of `allOf`, `if` and `then`. */
const propertiesOf = (schema: SchemaNode): Record<string, unknown> => {
  const nested = [schema.if, schema.then, ...(Array.isArray(schema.allOf) ? schema.allOf : [])].filter(
    isNode,
  );
  return Object.assign({}, ...nested.map(propertiesOf), isNode(schema.properties) ? schema.properties : {});
};

/** Values that fit the schema's shape, that nearly do, and that do not at all. */
const valuesFor = (schema: unknown, depth = 0): fc.Arbitrary<unknown> => {
  const options: Array<fc.Arbitrary<unknown>> = [fc.constantFrom(...SAMPLES)];
  if (!isNode(schema) || depth > 4) return options[0] as fc.Arbitrary<unknown>;
  if (Array.isArray(schema.enum)) options.push(fc.constantFrom(...(schema.enum as unknown[])));
  if ('const' in schema) options.push(fc.constant(schema.const));
  const properties = propertiesOf(schema);
  const names = Object.keys(properties);
  if (names.length > 0) {
    const fields = Object.fromEntries(names.map((name) => [name, valuesFor(properties[name], depth + 1)]));
    const known = fc.record(fields, { requiredKeys: [] });
    options.push(
      known,
      known,
      fc.tuple(known, fc.constantFrom('Unknown', 'url')).map(([o, k]) => ({ ...o, [k]: 1 })),
    );
  }
  if (isNode(schema.items)) options.push(fc.array(valuesFor(schema.items, depth + 1), { maxLength: 3 }));
  return fc.oneof(...options);
};

/** What a caller of a validator can see of an error, bar `schemaPath`. */
const seen = (error: ErrorObject) => {
  const { schemaPath: _, schema, parentSchema, ...rest } = error;
  const parent = parentSchema as SchemaNode | undefined;
  return {
    ...rest,
    schemaKind: schema === undefined ? 'none' : typeof schema,
    parentKeywords: parent && Object.keys(parent),
    parentProperties: parent && isNode(parent.properties) ? Object.keys(parent.properties) : undefined,
  };
};

const GENERATED: Record<string, Record<string, unknown>> = { validators: http, 'strict-validators': strict };

const cases = Object.entries(VALIDATOR_MODULES).flatMap(([module, { options, schemas }]) => {
  const reference = compilerFor(options as Options);
  return Object.entries(schemas).map(([name, schema]) => ({
    module,
    name,
    schema,
    generated: GENERATED[module]?.[name] as ValidateFunction,
    asWritten: reference.compile(schema),
  }));
});

describe('validators compiled with shared sub-schemas', () => {
  it('share the sub-schemas that repeat, so that there is something to check', () => {
    const { shared, schemas } = shareSubschemas(VALIDATOR_MODULES.validators.schemas);

    // The three callback URLs and the SIDs of every route's path parameters are one schema each.
    expect(shared.map(({ schema }) => schema)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ format: 'uri' }),
        expect.objectContaining({ type: 'string', pattern: expect.stringMatching(/^\^\[0-9a-fA-F\]\{8\}/) }),
      ]),
    );
    expect(JSON.stringify(schemas.validateUpdateCallEvent).match(/"format":"uri"/g)).toBeNull();
  });

  it.each(cases)('$module $name answers as the schemas as written', ({ schema, generated, asWritten }) => {
    expect(typeof generated).toBe('function');
    fc.assert(
      fc.property(valuesFor(schema), (input) => {
        // Coercion changes the input in place: each validator gets its own copy.
        const [mine, theirs] = [structuredClone(input), structuredClone(input)];
        const valid = generated(mine);
        expect(valid).toBe(asWritten(theirs));
        expect((generated.errors ?? []).map(seen)).toEqual((asWritten.errors ?? []).map(seen));
        expect(mine).toEqual(theirs);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

/**
 * Ajv's own standalone code of a registry module, before scripts/compact-validators.ts and the rewrite into an ES
 * module, run as written: its `require()`s get what they name.
 */
const ajvsOwnCode = (module: string, options: Options, schemas: Parameters<typeof standaloneModule>[2]) => {
  const code = standaloneModule(module, options, schemas).replace(/export const (\w+) =/g, 'exports.$1 =');
  const required = (specifier: string): unknown => {
    if (specifier === 'ajv/dist/runtime/ucs2length') return { default: ajvUcs2length };
    if (specifier.endsWith('/validation/formats.ts')) return copiedFormats;
    throw new Error(`unexpected require(${specifier})`);
  };
  const exports: Record<string, ValidateFunction> = {};
  new Function('exports', 'require', code)(exports, required);
  return exports;
};

const uncompacted = Object.entries(VALIDATOR_MODULES).flatMap(([module, { options, schemas }]) => {
  const own = ajvsOwnCode(module, options as Options, schemas);
  return Object.entries(schemas).map(([name, schema]) => ({
    module,
    name,
    schema,
    generated: GENERATED[module]?.[name] as ValidateFunction,
    ajvs: own[name] as ValidateFunction,
  }));
});

describe('the compacted validators (scripts/compact-validators.ts)', () => {
  it.each(uncompacted)("$module $name answers exactly as Ajv's own code", ({ schema, generated, ajvs }) => {
    expect(typeof ajvs).toBe('function');
    fc.assert(
      fc.property(valuesFor(schema), (input) => {
        const [mine, theirs] = [structuredClone(input), structuredClone(input)];
        expect(generated(mine)).toBe(ajvs(theirs));
        // Every field of every error, in the same order, the fields of each in the same order too.
        expect(generated.errors ?? null).toStrictEqual(ajvs.errors ?? null);
        expect(JSON.stringify(generated.errors)).toBe(JSON.stringify(ajvs.errors));
        expect(mine).toEqual(theirs);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
