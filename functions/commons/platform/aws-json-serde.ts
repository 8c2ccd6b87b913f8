import type { NormalizedSchema } from '@smithy/core/schema';
import {
  fromBase64,
  generateIdempotencyToken,
  parseEpochTimestamp,
  toBase64,
  writeKey,
} from '@smithy/core/serde';
import type { SerdeFunctions } from '@smithy/types';

/**
 * The bodies of functions/commons/platform/aws-json-protocol.ts: a request's input to its JSON, an answer's JSON to
 * its output, as the SDK's `JsonShapeSerializer2` and `JsonShapeDeserializer2` (@smithy/core 3.41, Apache-2.0) do
 * for the shapes of the functions' JSON clients, over the SDK's `NormalizedSchema`; or the client's own codec.
 */
/** A protocol feature the stand-in does not carry (see the module comment). */
export class UnsupportedJsonProtocolFeatureError extends Error {
  constructor(feature: string) {
    super(`the bundled AWS JSON protocol does not support ${feature}`);
    this.name = 'UnsupportedJsonProtocolFeatureError';
  }
}

export type SerdeContext = SerdeFunctions & { readonly disableHostPrefix?: boolean };
export type Json = Record<string, unknown>;
export type ResponseContext = { streamCollector: (body: unknown) => Promise<Uint8Array> };

/** Sets a key of a JSON object, `__proto__` included (as an own key, as `JSON.parse` makes it). */
const put = (object: Json, key: string, value: unknown): void => {
  if (key === '__proto__') writeKey(object);
  object[key] = value;
};

export const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object';

const refuseUnsupported = (ns: NormalizedSchema): void => {
  if (ns.isDocumentSchema()) throw new UnsupportedJsonProtocolFeatureError('document shapes');
  if (ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
    throw new UnsupportedJsonProtocolFeatureError('big number shapes');
  }
  if (ns.isStringSchema() && ns.getMergedTraits().mediaType) {
    throw new UnsupportedJsonProtocolFeatureError('media-type strings');
  }
};

/**
 * The SDK's timestamp rule without HTTP bindings is the shape's own format, else epoch seconds. Every timestamp of
 * the functions' JSON clients is epoch seconds (DynamoDB's go through its own codec): the other formats, and the
 * date parsers they would bring, are refused.
 */
const refuseOtherTimestampFormats = (ns: NormalizedSchema): void => {
  const schema = ns.getSchema();
  if (schema === 5 || schema === 6)
    throw new UnsupportedJsonProtocolFeatureError('date-time and http-date timestamps');
};

/** Input to the JSON value `JSON.stringify` writes as the SDK's `JsonShapeSerializer2` writes its bytes. */
const toJson = (ns: NormalizedSchema, value: unknown, context: SerdeContext | undefined): unknown => {
  refuseUnsupported(ns);
  if (isObject(value)) {
    if (ns.isStructSchema()) return structToJson(ns, value, context);
    if (Array.isArray(value) && ns.isListSchema()) {
      const sparse = !!ns.getMergedTraits().sparse;
      const member = ns.getValueSchema();
      return value.filter((item) => sparse || item != null).map((item) => itemToJson(member, item, context));
    }
    if (ns.isMapSchema()) {
      const sparse = !!ns.getMergedTraits().sparse;
      const member = ns.getValueSchema();
      const out: Json = {};
      for (const key of Object.keys(value)) {
        const item = value[key];
        if (item === undefined || (item === null && !sparse)) continue;
        put(out, key, itemToJson(member, item, context));
      }
      return out;
    }
    if (value instanceof Uint8Array && ns.isBlobSchema()) return toBase64(value);
    if (value instanceof Date && ns.isTimestampSchema()) {
      refuseOtherTimestampFormats(ns);
      return value.getTime() / 1000;
    }
    return value;
  }
  if (typeof value === 'string' && ns.isBlobSchema()) return (context?.base64Encoder ?? toBase64)(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
};

const itemToJson = (member: NormalizedSchema, item: unknown, context: SerdeContext | undefined): unknown =>
  item == null ? null : toJson(member, item, context);

const structToJson = (ns: NormalizedSchema, value: Json, context: SerdeContext | undefined): Json => {
  const out: Json = {};
  for (const [name, member] of ns.structIterator()) {
    const item = value[name];
    if (item === undefined && member.isIdempotencyToken()) out[name] = generateIdempotencyToken();
    else if (item != null) out[name] = toJson(member, item, context);
  }
  const { $unknown } = value;
  if (Object.keys(out).length === 0 && ns.isUnionSchema()) {
    if (Array.isArray($unknown)) put(out, String($unknown[0]), $unknown[1]);
  } else if (typeof value.__type === 'string') {
    // As the SDK does: a value that names its type keeps its other keys, written as they are (undefined as null).
    for (const key of Object.keys(value)) if (!Object.hasOwn(out, key)) put(out, key, value[key] ?? null);
  }
  return out;
};

/** A parsed JSON value to the output shape, as the SDK's `JsonShapeDeserializer2` reads it. */
const fromJson = (ns: NormalizedSchema, value: unknown): unknown => {
  refuseUnsupported(ns);
  if (isObject(value)) {
    if (ns.isStructSchema()) return structFromJson(ns, value);
    if ((Array.isArray(value) && ns.isListSchema()) || ns.isMapSchema()) {
      const member = ns.getValueSchema();
      if (!needsTransform(member)) return value;
      for (const key of Object.keys(value)) {
        // In this order, as the SDK: a `__proto__` entry is reset before it is read, so it reads as undefined.
        if (key === '__proto__') writeKey(value);
        value[key] = fromJson(member, value[key]);
      }
      return value;
    }
  }
  if (typeof value === 'string' && ns.isBlobSchema()) return fromBase64(value);
  if (value != null && ns.isTimestampSchema()) {
    refuseOtherTimestampFormats(ns);
    return parseEpochTimestamp(value);
  }
  if (typeof value === 'string' && ns.isNumericSchema()) {
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (value === 'NaN') return Number.NaN;
  }
  return value;
};

const needsTransform = (ns: NormalizedSchema): boolean =>
  !(ns.isStringSchema() || ns.isBooleanSchema() || ns.isUnitSchema()) || !!ns.getMergedTraits().mediaType;

const structFromJson = (ns: NormalizedSchema, record: Json): Json => {
  const out: Json = {};
  const keys = new Set(Object.keys(record));
  keys.delete('__type');
  for (const [name, member] of ns.structIterator()) {
    keys.delete(name);
    if (record[name] != null) out[name] = fromJson(member, record[name]);
  }
  if (ns.isUnionSchema()) {
    // One key the union does not know, and none it does: kept as `$unknown`, as the SDK's `UnionSerde` keeps it.
    const [unknown] = keys;
    if (keys.size === 1 && unknown !== undefined && Object.keys(out).length === 0) {
      out.$unknown = [unknown, record[unknown]];
    }
  } else if (typeof record.__type === 'string') {
    for (const key of Object.keys(record)) if (!(key in out)) put(out, key, record[key]);
  }
  return out;
};

/**
 * An error body as the SDK reads it, as a document: a `__proto__` key, at any depth, is reset to undefined before it
 * is read. Left as `JSON.parse` makes it, the top-level one would become the prototype of the object the error's
 * code, message and members are then read from (`Object.assign` sets it), so a body could name its error there.
 */
const fromDocument = (value: unknown): unknown => {
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (key === '__proto__') writeKey(value);
      value[key] = fromDocument(value[key]);
    }
  }
  return value;
};

/** A JSON body as the SDK parses it (`JSON.parse` over a Buffer of the same bytes); no body is an empty object. */
export const parse = (bytes: Uint8Array): unknown =>
  bytes.byteLength === 0
    ? {}
    : JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString());

/**
 * How a protocol writes and reads bodies: the stand-in's own (above), or a codec the client brings. DynamoDB brings
 * one (`@aws-sdk/dynamodb-codec`, its attribute values), built on the SDK's JSON codec, which its bundles then carry
 * anyway: the SDK's codec does exactly what it does under the SDK's protocol.
 */
export interface BodySerde {
  setSerdeContext(context: SerdeContext): void;
  write(schema: NormalizedSchema, input: Json): string | Uint8Array | undefined;
  read(schema: NormalizedSchema | 15, bytes: Uint8Array): Promise<unknown>;
  readMember(schema: NormalizedSchema, value: unknown): unknown;
}

/** The SDK's `JsonCodec2` shape, as far as its protocol uses it. */
export interface JsonCodec {
  setSerdeContext(context: SerdeContext): void;
  createSerializer(): {
    setSerdeContext(context: SerdeContext): void;
    write(schema: NormalizedSchema, value: unknown): void;
    flush(): string | Uint8Array | undefined;
  };
  createDeserializer(): {
    setSerdeContext(context: SerdeContext): void;
    read(schema: NormalizedSchema | 15, bytes: Uint8Array): Promise<unknown>;
    readObject(schema: NormalizedSchema, value: unknown): unknown;
  };
}

export const ownSerde = (): BodySerde => {
  let context: SerdeContext | undefined;
  return {
    setSerdeContext: (serdeContext) => {
      context = serdeContext;
    },
    write: (schema, input) => JSON.stringify(toJson(schema, input, context)),
    read: async (schema, bytes) => {
      const parsed = parse(bytes);
      return schema === 15 ? fromDocument(parsed) : fromJson(schema, parsed);
    },
    readMember: fromJson,
  };
};

export const codecSerde = (codec: JsonCodec): BodySerde => {
  const serializer = codec.createSerializer();
  const deserializer = codec.createDeserializer();
  let context: SerdeContext | undefined;
  return {
    setSerdeContext: (serdeContext) => {
      context = serdeContext;
      serializer.setSerdeContext(serdeContext);
      deserializer.setSerdeContext(serdeContext);
      codec.setSerdeContext(serdeContext);
    },
    write: (schema, input) => {
      serializer.write(schema, input);
      return serializer.flush();
    },
    read: (schema, bytes) => deserializer.read(schema, bytes),
    readMember: (schema, value) => {
      const errorDeserializer = codec.createDeserializer();
      if (context) errorDeserializer.setSerdeContext(context);
      return errorDeserializer.readObject(schema, value);
    },
  };
};
