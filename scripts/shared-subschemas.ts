/**
 * Moves every sub-schema that occurs more than once in a set of schemas into a schema of its own, which each
 * place then `$ref`s. Ajv's standalone code repeats a sub-schema's checks wherever it occurs (the three callback
 * URLs of an update, the SIDs of every route's path parameters, the policy inside the schedule's event); with
 * `inlineRefs: false`, a `$ref` becomes one function that each place calls, and the generated module shrinks
 * without a rule changing. The source schemas stay as they are (the published JSON Schemas and the types are
 * derived from them): this happens only on the way to the compiler.
 *
 * Errors keep their `instancePath`, `keyword`, `params`, `message` and order, and a coercion still changes the
 * input in place; `schemaPath` becomes relative to the shared schema, and a verbose error's `parentSchema` shows
 * `$ref`s where its own sub-schemas were shared (same keywords, same property names).
 * test/property/generated-validators.property.test.ts holds the generated validators to that.
 */

type Schema = boolean | { readonly [keyword: string]: unknown };
type SchemaObject = { readonly [keyword: string]: unknown };

/** Keywords whose value is one schema. */
const ONE = new Set([
  'additionalProperties',
  'contains',
  'else',
  'if',
  'items',
  'not',
  'propertyNames',
  'then',
  'unevaluatedItems',
  'unevaluatedProperties',
]);
/** Keywords whose value is a list of schemas. */
const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** Keywords whose value maps names to schemas. */
const MAP = new Set(['$defs', 'dependentSchemas', 'patternProperties', 'properties']);

/**
 * Keywords that tie a schema to where it is: identifiers and anchors name a place, and a property's `default`
 * is applied by the schema that holds the property, which would not see it behind a `$ref`.
 */
const BOUND = new Set(['$id', '$anchor', '$dynamicAnchor', '$dynamicRef', '$schema', 'default']);

const isObject = (value: unknown): value is SchemaObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether the sub-schema under `keyword` must stay where it is because its parent reads it: `uniqueItems`
 * skips items of the wrong type by reading `items.type`, which it cannot see behind a `$ref` (it would then
 * also report `[5, 5]` as duplicates, on top of their types).
 */
const isPinned = (parent: SchemaObject, keyword: string): boolean =>
  (keyword === 'items' && 'uniqueItems' in parent) || (keyword === 'oneOf' && 'discriminator' in parent);

/** Applies `visit` to each direct sub-schema of `schema`, returning the schema with their results. */
const mapSubschemas = (schema: SchemaObject, visit: (sub: Schema, pinned: boolean) => Schema): SchemaObject =>
  Object.fromEntries(
    Object.entries(schema).map(([keyword, value]) => {
      const pinned = isPinned(schema, keyword);
      if (ONE.has(keyword) && (isObject(value) || typeof value === 'boolean')) {
        return [keyword, visit(value, pinned)];
      }
      if (LIST.has(keyword) && Array.isArray(value)) {
        return [keyword, value.map((sub) => visit(sub as Schema, pinned))];
      }
      if (MAP.has(keyword) && isObject(value)) {
        return [
          keyword,
          Object.fromEntries(
            Object.entries(value).map(([name, sub]) => [name, visit(sub as Schema, pinned)]),
          ),
        ];
      }
      return [keyword, value];
    }),
  );

/**
 * Whether a schema can move: nothing at its top that ties it to its place, and no local `$ref` (`#/...`)
 * anywhere inside, which only means what it means from where it is.
 */
const isMovable = (schema: SchemaObject): boolean => {
  if (Object.keys(schema).some((keyword) => BOUND.has(keyword))) return false;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#')) return false;
  let movable = true;
  mapSubschemas(schema, (sub) => {
    if (isObject(sub) && !isMovable(sub)) movable = false;
    return sub;
  });
  return movable;
};

/** Every sub-schema below the roots (not a root itself, nor a pinned one) that could move: by JSON, with a count. */
const countSubschemas = (roots: readonly Schema[]): Map<string, { schema: SchemaObject; count: number }> => {
  const counts = new Map<string, { schema: SchemaObject; count: number }>();
  const walk = (schema: Schema, stays: boolean): Schema => {
    if (!isObject(schema)) return schema;
    // A bare `$ref` is already as small as a place can be, and `{}` checks nothing.
    const keywords = Object.keys(schema);
    const trivial = keywords.length === 0 || (keywords.length === 1 && '$ref' in schema);
    if (!stays && !trivial && isMovable(schema)) {
      const key = JSON.stringify(schema);
      const seen = counts.get(key);
      if (seen) seen.count += 1;
      else counts.set(key, { schema, count: 1 });
    }
    return mapSubschemas(schema, walk);
  };
  for (const root of roots) walk(root, true);
  return counts;
};

/** `schema` with each sub-schema whose JSON is `key` replaced by `{ $ref: id }` (the root and pinned ones kept). */
const replace = (schema: Schema, key: string, id: string): Schema => {
  if (!isObject(schema)) return schema;
  return mapSubschemas(schema, (sub, pinned) =>
    !pinned && isObject(sub) && JSON.stringify(sub) === key ? { $ref: id } : replace(sub, key, id),
  );
};

export interface SharedSchemas {
  /** The schemas given, under the same names, with each repeated sub-schema replaced by a `$ref`. */
  schemas: Record<string, Schema>;
  /** The shared sub-schemas, each under the id the `$ref`s use, to be added to the compiler under it. */
  shared: Array<{ id: string; schema: Schema }>;
}

/**
 * Shares every sub-schema that occurs at least twice across `schemas` (the same JSON, wherever it is),
 * largest first, so that one inside a shared one counts once. A sub-schema that is one of `schemas` itself
 * refers to it by its name; the others get `prefix` and a number, in the order they are shared.
 */
export const shareSubschemas = (
  schemas: Readonly<Record<string, Schema>>,
  prefix = 'shared-',
): SharedSchemas => {
  const names = Object.keys(schemas);
  let roots: Schema[] = Object.values(schemas);
  const shared: Array<{ id: string; schema: Schema }> = [];
  for (;;) {
    // Shared schemas are roots too: a repeat inside one of them is a repeat like any other.
    const counts = countSubschemas([...roots, ...shared.map((entry) => entry.schema)]);
    const rootKeys = roots.map((root) => JSON.stringify(root));
    for (const [key, entry] of counts) if (rootKeys.includes(key)) entry.count += 1;
    const repeated = [...counts.entries()].filter(([, { count }]) => count > 1);
    if (repeated.length === 0) break;
    // Largest first (ties: first met), so one inside a shared one is counted once.
    const [key, { schema }] = repeated.reduce((best, entry) =>
      entry[0].length > best[0].length ? entry : best,
    );
    const root = rootKeys.indexOf(key);
    const id = root >= 0 ? (names[root] as string) : `${prefix}${shared.length + 1}`;
    roots = roots.map((schema) => replace(schema, key, id));
    for (const entry of shared) entry.schema = replace(entry.schema, key, id);
    if (root < 0) shared.push({ id, schema });
  }
  return { schemas: Object.fromEntries(names.map((name, index) => [name, roots[index] as Schema])), shared };
};
