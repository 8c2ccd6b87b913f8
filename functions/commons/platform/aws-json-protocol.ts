import { decorateServiceException, type ServiceException } from '@smithy/core/client';
import { HttpRequest, loadJsonRpcErrorCode } from '@smithy/core/protocols';
import { NormalizedSchema, TypeRegistry, translateTraits } from '@smithy/core/schema';
import type {
  Endpoint,
  EndpointV2,
  HttpResponse,
  ResponseMetadata,
  Schema,
  SchemaRef,
  SchemaTraits,
  StaticErrorSchema,
} from '@smithy/types';
import {
  type BodySerde,
  codecSerde,
  isObject,
  type Json,
  type JsonCodec,
  ownSerde,
  type ResponseContext,
  type SerdeContext,
  UnsupportedJsonProtocolFeatureError,
} from './aws-json-serde.ts';

export { UnsupportedJsonProtocolFeatureError } from './aws-json-serde.ts';

/**
 * Stands in for `@aws-sdk/core/protocols` in the Lambda bundles (the esbuild alias of infra/runtime.ts), whose only
 * exports the AWS SDK clients of the functions take from there are `AwsJson1_1Protocol` (Secrets Manager,
 * EventBridge, CloudWatch Logs) and `AwsJson1_0Protocol` (DynamoDB). The SDK's classes sit on a general protocol
 * stack (`RpcProtocol` over `HttpProtocol` with its HTTP binding tables, a byte-level JSON writer with its own
 * UTF-8 and base64 encoders, a JSON reader with a big-number reviver, the AWS Query compatibility layer): about
 * 30 KiB of every function, for requests that are `POST /` with a JSON body. This is the same protocol
 * (@aws-sdk/core 3.981, @smithy/core 3.41, Apache-2.0) over the client's own schemas, read with the SDK's
 * `NormalizedSchema` (its bodies: ./aws-json-serde.ts), and the SDK's error registry, error-code parsing and exception decoration: same request
 * (method, path, headers, body bytes), same output, same exceptions. What no operation of those clients needs is
 * left out and refused by name (documents, big numbers, JSON media-type strings, timestamps other than epoch
 * seconds, event streams, host prefixes, AWS Query compatibility). One difference is kept on purpose: the SDK reads
 * an error body's numbers beyond ±2^53 (or not exact as a double) as `BigInt`s and `NumericValue`s, this one as the
 * JSON numbers they parse to; no member of those clients' errors is a number of that size, so only a field a
 * service added beyond its model would differ. test/unit/aws-json-protocol.test.ts runs both protocols on generated
 * requests, answers and errors of every operation of the four clients and requires equal results;
 * test/infra/bundled-json-protocol.test.ts and bundled-json-protocol-dynamodb.test.ts run bundled calls with each
 * (Secrets Manager's `GetSecretValue`; Powertools Idempotency's conditional `PutItem`).
 */

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

type RequestContext = { endpoint?: () => Promise<Endpoint | EndpointV2 | undefined> };
type ErrorCtor = new (options: object) => Error;

/** The SDK's decoration (the body's other fields copied on, `message` settled) of any error it throws. */
const decorate = (error: Error, data: Json): Error =>
  decorateServiceException(error as ServiceException, data);

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
