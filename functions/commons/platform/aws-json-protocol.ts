import { decorateServiceException, type ServiceException } from '@smithy/core/client';
import { HttpRequest, loadJsonRpcErrorCode } from '@smithy/core/protocols';
import { NormalizedSchema, TypeRegistry, translateTraits } from '@smithy/core/schema';
import {
  dateToUtcString,
  fromBase64,
  generateIdempotencyToken,
  parseEpochTimestamp,
  parseRfc3339DateTimeWithOffset,
  parseRfc7231DateTime,
  toBase64,
  writeKey,
} from '@smithy/core/serde';
import type {
  Endpoint,
  EndpointV2,
  HttpResponse,
  ResponseMetadata,
  Schema,
  SchemaRef,
  SchemaTraits,
  SerdeFunctions,
  StaticErrorSchema,
} from '@smithy/types';

/**
 * Stands in for `@aws-sdk/core/protocols` in the Lambda bundles (the esbuild alias of infra/runtime.ts), whose only
 * exports the AWS SDK clients of the functions take from there are `AwsJson1_1Protocol` (Secrets Manager,
 * EventBridge, CloudWatch Logs) and `AwsJson1_0Protocol` (DynamoDB). The SDK's classes sit on a general protocol
 * stack (`RpcProtocol` over `HttpProtocol` with its HTTP binding tables, a byte-level JSON writer with its own
 * UTF-8 and base64 encoders, a JSON reader with a big-number reviver, the AWS Query compatibility layer): about
 * 30 KiB of every function, for requests that are `POST /` with a JSON body. This is the same protocol
 * (@aws-sdk/core 3.981, @smithy/core 3.41, Apache-2.0) over the client's own schemas, read with the SDK's
 * `NormalizedSchema`, and the SDK's error registry, error-code parsing and exception decoration: same request
 * (method, path, headers, body bytes), same output, same exceptions. What no operation of those clients needs is
 * left out and refused by name (documents, big numbers, JSON media-type strings, event streams, host prefixes, AWS
 * Query compatibility). test/unit/aws-json-protocol.test.ts runs both protocols on generated
 * requests, answers and errors of every operation of the four clients and requires equal results;
 * test/infra/bundled-aws-client.test.ts reads a secret with a bundle.
 */

/** A protocol feature the stand-in does not carry (see the module comment). */
export class UnsupportedJsonProtocolFeatureError extends Error {
  constructor(feature: string) {
    super(`the bundled AWS JSON protocol does not support ${feature}`);
    this.name = 'UnsupportedJsonProtocolFeatureError';
  }
}

interface ProtocolSettings {
  readonly defaultNamespace: string;
  readonly errorTypeRegistries?: readonly TypeRegistry[];
  readonly serviceTarget: string;
  readonly awsQueryCompatible?: boolean;
  readonly jsonCodec?: object;
}

interface OperationSchema {
  readonly name: string;
  readonly traits: SchemaTraits;
  readonly input: SchemaRef;
  readonly output: SchemaRef;
}

type SerdeContext = SerdeFunctions & { readonly disableHostPrefix?: boolean };
type RequestContext = { endpoint?: () => Promise<Endpoint | EndpointV2 | undefined> };
type ResponseContext = { streamCollector: (body: unknown) => Promise<Uint8Array> };
type Json = Record<string, unknown>;
type ErrorCtor = new (options: object) => Error;

/** The SDK's decoration (the body's other fields copied on, `message` settled) of any error it throws. */
const decorate = (error: Error, data: Json): Error =>
  decorateServiceException(error as ServiceException, data);

/** Sets a key of a JSON object, `__proto__` included (as an own key, as `JSON.parse` makes it). */
const put = (object: Json, key: string, value: unknown): void => {
  if (key === '__proto__') writeKey(object);
  object[key] = value;
};

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object';

const refuseUnsupported = (ns: NormalizedSchema): void => {
  if (ns.isDocumentSchema()) throw new UnsupportedJsonProtocolFeatureError('document shapes');
  if (ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
    throw new UnsupportedJsonProtocolFeatureError('big number shapes');
  }
  if (ns.isStringSchema() && ns.getMergedTraits().mediaType) {
    throw new UnsupportedJsonProtocolFeatureError('media-type strings');
  }
};

/** The SDK's timestamp format rule without HTTP bindings: the shape's own format, else epoch seconds. */
const timestampFormat = (ns: NormalizedSchema): number => {
  const schema = ns.getSchema();
  return schema === 5 || schema === 6 ? schema : 7;
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
      const format = timestampFormat(ns);
      if (format === 5) return value.toISOString().replace('.000Z', 'Z');
      if (format === 6) return dateToUtcString(value);
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
    const format = timestampFormat(ns);
    if (format === 5) return parseRfc3339DateTimeWithOffset(value);
    if (format === 6) return parseRfc7231DateTime(value);
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

const setEndpoint = (request: HttpRequest, endpoint: Endpoint | EndpointV2): void => {
  if ('url' in endpoint) {
    const { url } = endpoint;
    request.protocol = url.protocol;
    request.hostname = url.hostname;
    request.port = url.port ? Number(url.port) : undefined;
    request.path = url.pathname;
    request.fragment = url.hash || undefined;
    request.username = url.username || undefined;
    request.password = url.password || undefined;
    for (const [key, value] of url.searchParams.entries()) request.query[key] = value;
    for (const [name, values] of Object.entries(endpoint.headers ?? {}))
      request.headers[name] = values.join(', ');
    return;
  }
  request.protocol = endpoint.protocol;
  request.hostname = endpoint.hostname;
  request.port = endpoint.port ? Number(endpoint.port) : undefined;
  request.path = endpoint.path;
  request.query = { ...endpoint.query };
  const headers: Record<string, string> = endpoint.headers ?? {};
  for (const [name, value] of Object.entries(headers)) request.headers[name] = value;
};

const collect = async (body: unknown, context: ResponseContext): Promise<Uint8Array> => {
  if (body instanceof Uint8Array) return body;
  return body ? await context.streamCollector(body) : new Uint8Array();
};

/** A JSON body as the SDK parses it (`JSON.parse` over a Buffer of the same bytes); no body is an empty object. */
const parse = (bytes: Uint8Array): unknown =>
  bytes.byteLength === 0
    ? {}
    : JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString());

/**
 * How a protocol writes and reads bodies: the stand-in's own (above), or a codec the client brings. DynamoDB brings
 * one (`@aws-sdk/dynamodb-codec`, its attribute values), built on the SDK's JSON codec, which its bundles then carry
 * anyway: the SDK's codec does exactly what it does under the SDK's protocol.
 */
interface BodySerde {
  setSerdeContext(context: SerdeContext): void;
  write(schema: NormalizedSchema, input: Json): string | Uint8Array | undefined;
  read(schema: NormalizedSchema | 15, bytes: Uint8Array): Promise<unknown>;
  readMember(schema: NormalizedSchema, value: unknown): unknown;
}

/** The SDK's `JsonCodec2` shape, as far as its protocol uses it. */
interface JsonCodec {
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

const ownSerde = (): BodySerde => {
  let context: SerdeContext | undefined;
  return {
    setSerdeContext: (serdeContext) => {
      context = serdeContext;
    },
    write: (schema, input) => JSON.stringify(toJson(schema, input, context)),
    read: async (schema, bytes) => {
      const parsed = parse(bytes);
      return schema === 15 ? parsed : fromJson(schema, parsed);
    },
    readMember: fromJson,
  };
};

const codecSerde = (codec: JsonCodec): BodySerde => {
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

class AwsJsonRpcProtocol {
  private readonly options: ProtocolSettings;
  private readonly compositeErrorRegistry: TypeRegistry;
  private readonly serde: BodySerde;
  private serdeContext: SerdeContext | undefined;

  constructor(
    options: ProtocolSettings,
    private readonly version: '1.0' | '1.1',
  ) {
    if (options.awsQueryCompatible) throw new UnsupportedJsonProtocolFeatureError('AWS Query compatibility');
    this.options = options;
    this.serde = options.jsonCodec ? codecSerde(options.jsonCodec as JsonCodec) : ownSerde();
    this.compositeErrorRegistry = new TypeRegistry(options.defaultNamespace);
    for (const registry of options.errorTypeRegistries ?? []) this.compositeErrorRegistry.copyFrom(registry);
  }

  getShapeId(): string {
    return `aws.protocols#awsJson${this.version.replace('.', '_')}`;
  }

  getDefaultContentType(): string {
    return `application/x-amz-json-${this.version}`;
  }

  getRequestType(): typeof HttpRequest {
    return HttpRequest;
  }

  setSerdeContext(serdeContext: SerdeContext): void {
    this.serdeContext = serdeContext;
    this.serde.setSerdeContext(serdeContext);
  }

  async serializeRequest(
    operation: OperationSchema,
    input: unknown,
    context: RequestContext,
  ): Promise<HttpRequest> {
    const ns = NormalizedSchema.of(operation.input);
    // Refused before anything is sent, whichever way the events would flow.
    if (ns.getEventStreamMember() || NormalizedSchema.of(operation.output).getEventStreamMember()) {
      throw new UnsupportedJsonProtocolFeatureError('event streams');
    }
    const request = new HttpRequest({ protocol: '', hostname: '', path: '/', query: {}, headers: {} });
    const endpoint = await context.endpoint?.();
    if (endpoint) {
      setEndpoint(request, endpoint);
      const { endpoint: hostPrefix } = translateTraits(operation.traits ?? 0);
      if (!this.serdeContext?.disableHostPrefix && hostPrefix) {
        throw new UnsupportedJsonProtocolFeatureError('host prefixes');
      }
    }
    const value = isObject(input) ? input : {};
    // As the SDK's RpcProtocol: an endpoint's query does not reach the request.
    request.query = {};
    request.method = 'POST';
    if (!request.path.endsWith('/')) request.path += '/';
    request.headers['content-type'] = this.getDefaultContentType();
    request.headers['x-amz-target'] = `${this.options.serviceTarget}.${operation.name}`;
    const body = this.serde.write(ns, value);
    request.body = ns.isUnitSchema() || !body ? '{}' : body;
    return request;
  }

  async deserializeResponse(
    operation: OperationSchema,
    context: ResponseContext,
    response: HttpResponse,
  ): Promise<Json & { $metadata: ResponseMetadata }> {
    const ns = NormalizedSchema.of(operation.output);
    if (response.statusCode >= 300) {
      const bytes = await collect(response.body, context);
      const data = bytes.byteLength > 0 ? await this.serde.read(15, bytes) : {};
      // Object.assign, as the SDK: a body that is a JSON string gives its characters as keys.
      this.throwError(response, Object.assign({}, data));
    }
    for (const name of Object.keys(response.headers)) {
      const value = response.headers[name];
      delete response.headers[name];
      if (value !== undefined) response.headers[name.toLowerCase()] = value;
    }
    if (ns.getEventStreamMember()) throw new UnsupportedJsonProtocolFeatureError('event streams');
    const bytes = await collect(response.body, context);
    const parsed = bytes.byteLength > 0 ? await this.serde.read(ns, bytes) : {};
    return Object.assign({}, parsed, { $metadata: metadataOf(response) });
  }

  /** The SDK's `AwsJsonRpcProtocol.handleError` with `ProtocolLib`'s registry look-up, without AWS Query mode. */
  private throwError(response: HttpResponse, data: Json): never {
    const { defaultNamespace } = this.options;
    const registry = this.compositeErrorRegistry;
    const code: string = loadJsonRpcErrorCode(response, data, false) ?? 'Unknown';
    const [namespace, name] = code.includes('#') ? code.split('#') : [defaultNamespace, code];
    registry.copyFrom(TypeRegistry.for(namespace ?? defaultNamespace));
    registry.copyFrom(TypeRegistry.for(`smithy.ts.sdk.synthetic.${defaultNamespace}`));
    const errorMetadata = {
      $metadata: metadataOf(response),
      $fault: response.statusCode < 500 ? 'client' : 'server',
    };
    let schema: Schema;
    try {
      schema = registry.getSchema(code);
    } catch {
      data.message = data.message ?? data.Message ?? 'UnknownError';
      const base = registry.getBaseException();
      if (base) {
        const Base: ErrorCtor = registry.getErrorCtor(base) ?? Error;
        throw decorate(Object.assign(new Base({ name }), errorMetadata), data);
      }
      const error = Object.assign(new Error(String(data.message)), { name }, errorMetadata);
      throw decorate(error, data);
    }
    const ns = NormalizedSchema.of(schema);
    const Modeled: ErrorCtor = registry.getErrorCtor(schema as StaticErrorSchema) ?? Error;
    const output: Json = {};
    for (const [member, memberSchema] of ns.structIterator()) {
      if (data[member] != null) output[member] = this.serde.readMember(memberSchema, data[member]);
    }
    const fault = {
      $fault: ns.getMergedTraits().error,
      message: data.message ?? data.Message ?? 'UnknownError',
    };
    throw decorate(Object.assign(new Modeled({}), errorMetadata, fault, output), data);
  }
}

const metadataOf = (response: HttpResponse): ResponseMetadata => ({
  httpStatusCode: response.statusCode,
  requestId:
    response.headers['x-amzn-requestid'] ??
    response.headers['x-amzn-request-id'] ??
    response.headers['x-amz-request-id'],
  extendedRequestId: response.headers['x-amz-id-2'],
  cfId: response.headers['x-amz-cf-id'],
});

/** AWS JSON 1.0 (DynamoDB). */
export class AwsJson1_0Protocol extends AwsJsonRpcProtocol {
  constructor(options: ProtocolSettings) {
    super(options, '1.0');
  }
}

/** AWS JSON 1.1 (Secrets Manager, EventBridge, CloudWatch Logs). */
export class AwsJson1_1Protocol extends AwsJsonRpcProtocol {
  constructor(options: ProtocolSettings) {
    super(options, '1.1');
  }
}

// The SDK's JSON codecs, which DynamoDB's codec extends (`@aws-sdk/core/protocols` re-exports them from here).
export {
  JsonCodec,
  JsonCodec2,
  JsonShapeDeserializer,
  JsonShapeDeserializer2,
  JsonShapeSerializer,
  JsonShapeSerializer2,
} from '@smithy/core/protocols';
