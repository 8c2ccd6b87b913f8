import { Readable } from 'node:stream';
import * as CloudWatchLogs from '@aws-sdk/client-cloudwatch-logs';
import * as DynamoDB from '@aws-sdk/client-dynamodb';
import * as EventBridge from '@aws-sdk/client-eventbridge';
import * as SecretsManager from '@aws-sdk/client-secrets-manager';
import { HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { NormalizedSchema, operation, translateTraits } from '@smithy/core/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AwsJson1_0Protocol,
  AwsJson1_1Protocol,
  UnsupportedJsonProtocolFeatureError,
} from '#commons/platform/aws-json-protocol';

/**
 * functions/commons/platform/aws-json-protocol.ts stands in for `@aws-sdk/core/protocols` in the bundles
 * (infra/runtime.ts BUNDLE_ALIAS). Here the SDK's protocol, as each client of the functions builds it, and the
 * stand-in, built from the same client settings, serialize the same generated requests and read the same generated
 * answers and errors of every operation of the client; requests (method, endpoint, path, headers, body bytes),
 * outputs and thrown errors (class, name, message, $fault, $metadata, every field) must be equal.
 */

const SEED = 20_261_206;
const RUNS = 1000;
const MAX_DEPTH = 4;

interface Protocol {
  setSerdeContext(context: object): void;
  serializeRequest(op: object, input: unknown, context: object): Promise<HttpRequest>;
  deserializeResponse(op: object, context: object, response: HttpResponse): Promise<unknown>;
}
interface ClientConfig {
  protocol: Protocol;
  protocolSettings: Record<string, unknown>;
  streamCollector: (body: unknown) => Promise<Uint8Array>;
}
type Client = { config: ClientConfig; destroy(): void };
type Operation = ReturnType<typeof operation>;

const REGION = { region: 'us-east-1' };
const asClient = (client: object): Client => client as unknown as Client;

const clients: [string, Record<string, unknown>, () => Client, typeof AwsJson1_0Protocol][] = [
  [
    'Secrets Manager',
    SecretsManager,
    () => asClient(new SecretsManager.SecretsManagerClient(REGION)),
    AwsJson1_1Protocol,
  ],
  ['EventBridge', EventBridge, () => asClient(new EventBridge.EventBridgeClient(REGION)), AwsJson1_1Protocol],
  [
    'CloudWatch Logs',
    CloudWatchLogs,
    () => asClient(new CloudWatchLogs.CloudWatchLogsClient(REGION)),
    AwsJson1_1Protocol,
  ],
  ['DynamoDB', DynamoDB, () => asClient(new DynamoDB.DynamoDBClient(REGION)), AwsJson1_0Protocol],
];

/** The SDK's protocol and the stand-in, each with its own client's settings (DynamoDB's codec is not shared). */
const bothProtocols = (make: () => Client, Ours: typeof AwsJson1_0Protocol) => {
  const sdkClient = make();
  const ourClient = make();
  const ours = new Ours(ourClient.config.protocolSettings as never) as unknown as Protocol;
  sdkClient.config.protocol.setSerdeContext(sdkClient.config);
  ours.setSerdeContext(ourClient.config);
  return { sdk: sdkClient.config.protocol, ours, config: sdkClient.config };
};

/** Every operation of the client, read from its command classes' schemas ([9, namespace, name, traits, in, out]). */
const operationsOf = (module: Record<string, unknown>): Operation[] =>
  Object.entries(module)
    .filter(([name, value]) => name.endsWith('Command') && typeof value === 'function')
    .map(
      ([, value]) =>
        (new (value as new (input: object) => { schema?: unknown })({}) as { schema?: unknown }).schema,
    )
    .filter(
      (schema): schema is [9, ...Parameters<typeof operation>] => Array.isArray(schema) && schema[0] === 9,
    )
    .map(([, namespace, name, traits, input, output]) => operation(namespace, name, traits, input, output));

const isStreaming = (op: Operation): boolean =>
  !!NormalizedSchema.of(op.input).getEventStreamMember() ||
  !!NormalizedSchema.of(op.output).getEventStreamMember();
const hasHostPrefix = (op: Operation): boolean => !!translateTraits(op.traits ?? 0).endpoint;

const text = fc.string({ unit: 'binary', maxLength: 10 });
const key = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), text, fc.constant('__proto__'));
const maybeNull = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0.5, -0, 1e21));
const date = fc.date({ min: new Date(-1e13), max: new Date(2.5e14), noInvalidDate: true });

/** What a caller passes as the value of the shape. */
const inputOf = (ns: NormalizedSchema, depth = 0): fc.Arbitrary<unknown> => {
  if (ns.isStructSchema()) {
    const members = depth >= MAX_DEPTH ? [] : [...ns.structIterator()];
    if (ns.isUnionSchema()) {
      return members.length === 0
        ? fc.constant({ $unknown: ['Future', 'x'] })
        : fc.oneof(...members.map(([name, m]) => inputOf(m, depth + 1).map((value) => ({ [name]: value }))));
    }
    const tokens = members.filter(([, m]) => m.isIdempotencyToken()).map(([name]) => name);
    return fc.record(
      Object.fromEntries(
        members.map(([name, m]) => [
          name,
          m.isIdempotencyToken() ? fc.uuid() : maybeNull(inputOf(m, depth + 1)),
        ]),
      ),
      { requiredKeys: tokens },
    );
  }
  if (ns.isListSchema()) {
    return fc.array(maybeNull(inputOf(ns.getValueSchema(), depth + 1)), {
      maxLength: depth >= MAX_DEPTH ? 0 : 3,
    });
  }
  if (ns.isMapSchema()) {
    return fc.dictionary(key, maybeNull(inputOf(ns.getValueSchema(), depth + 1)), {
      maxKeys: depth >= MAX_DEPTH ? 0 : 3,
    });
  }
  if (ns.isBlobSchema()) return fc.oneof(fc.uint8Array({ maxLength: 12 }), text);
  if (ns.isTimestampSchema()) return date;
  if (ns.isBooleanSchema()) return fc.boolean();
  if (ns.isNumericSchema()) return number;
  return text;
};

/** What AWS sends as the value of the shape (and what a service that answers wrongly might send). */
const wireOf = (ns: NormalizedSchema, depth = 0): fc.Arbitrary<unknown> => {
  if (ns.isStructSchema()) {
    const members = depth >= MAX_DEPTH ? [] : [...ns.structIterator()];
    const known = fc.record(
      Object.fromEntries(members.map(([name, m]) => [name, maybeNull(wireOf(m, depth + 1))])),
      { requiredKeys: [] },
    );
    const unknown = fc.dictionary(fc.constantFrom('Extra', '__type', '__proto__', 'message'), text, {
      maxKeys: 2,
    });
    const answer = fc.tuple(known, unknown).map(([a, b]) => ({ ...b, ...a }));
    // A union member added after this SDK was built arrives as the only key: the SDK keeps it as `$unknown`.
    return ns.isUnionSchema() ? fc.oneof(answer, fc.constant({ FutureMember: { a: 1 } })) : answer;
  }
  if (ns.isListSchema()) {
    return fc.array(maybeNull(wireOf(ns.getValueSchema(), depth + 1)), {
      maxLength: depth >= MAX_DEPTH ? 0 : 3,
    });
  }
  if (ns.isMapSchema()) {
    return fc.dictionary(key, maybeNull(wireOf(ns.getValueSchema(), depth + 1)), {
      maxKeys: depth >= MAX_DEPTH ? 0 : 3,
    });
  }
  if (ns.isBlobSchema())
    return fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes).toString('base64'));
  if (ns.isTimestampSchema()) {
    const schema = ns.getSchema();
    if (schema === 5) return date.map((value) => value.toISOString());
    if (schema === 6) return date.map((value) => value.toUTCString());
    return fc.oneof(
      fc.integer({ min: 0, max: 4_102_444_800 }),
      fc.double({ min: 0, max: 4e9, noNaN: true }),
      fc.integer({ min: 0, max: 4_102_444_800 }).map(String),
    );
  }
  if (ns.isBooleanSchema()) return fc.boolean();
  if (ns.isNumericSchema()) {
    return fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom('NaN', 'Infinity', '-Infinity', '12'),
    );
  }
  return text;
};

const endpoint = fc.record({
  protocol: fc.constantFrom('https:', 'http:'),
  hostname: fc.constantFrom('secretsmanager.us-east-1.amazonaws.com', '127.0.0.1'),
  port: fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
  path: fc.constantFrom('/', '/prefix', '/a/b/'),
  query: fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), fc.stringMatching(/^[a-z0-9]{0,4}$/), {
    maxKeys: 2,
  }),
  headers: fc.dictionary(fc.constantFrom('x-a', 'x-b'), fc.stringMatching(/^[a-z0-9]{0,4}$/), { maxKeys: 2 }),
});

const responseHeaders = fc.dictionary(
  fc.constantFrom(
    'x-amzn-RequestId',
    'x-amzn-requestid',
    'x-amzn-request-id',
    'x-amz-request-id',
    'x-amz-id-2',
    'x-amz-cf-id',
    'Content-Type',
  ),
  fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/),
  { maxKeys: 4 },
);

/** The same answer twice: the protocols may consume the body and lower-case the headers of theirs. */
const answers = (statusCode: number, headers: Record<string, string>, body: string, stream: boolean) =>
  [0, 1].map(
    () =>
      new HttpResponse({
        statusCode,
        headers: { ...headers },
        body: stream ? Readable.from([Buffer.from(body)]) : new Uint8Array(Buffer.from(body)),
      }),
  ) as [HttpResponse, HttpResponse];

/** The client's modeled errors' schemas ([-3, namespace, name, traits, ...]). */
const errorSchemasOf = (module: Record<string, unknown>): [number, string, string][] =>
  Object.values(module).filter(
    (value): value is [number, string, string] => Array.isArray(value) && value[0] === -3,
  );

/** `value` with an own, enumerable `__proto__` key, as `JSON.parse` makes one (`JSON.stringify` then writes it). */
const withProtoKey = (value: object, proto: unknown): object =>
  Object.defineProperty({ ...value }, '__proto__', { value: proto, enumerable: true, writable: true });

/** The value with every number beyond ±2^53 brought within (the SDK reads those of an error as big numbers). */
const withinSafeNumbers = (value: unknown): unknown => {
  if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    return Math.sign(value) * (Math.abs(value) % Number.MAX_SAFE_INTEGER);
  }
  if (Array.isArray(value)) return value.map(withinSafeNumbers);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withinSafeNumbers(item)]));
  }
  return value;
};

/** Numbers as the JSON of an error may carry them, within what a double holds exactly (see the test below). */
const safeNumber = fc.oneof(
  fc.integer(),
  fc.double({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, noNaN: true }),
);

const THROTTLING = [
  'ThrottlingException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
];

/** An error answer: a status, its headers and a body that names the error in any of the ways AWS does. */
const errorAnswer = (
  schemas: [number, string, string][],
  namespace: string,
): fc.Arbitrary<[number, Record<string, string>, string]> => {
  const modeled = schemas.map((schema) => schema[2]);
  const name = fc.oneof(
    fc.constantFrom(...modeled, ...THROTTLING, 'InternalFailure', 'AccessDeniedException'),
    fc.stringMatching(/^[A-Za-z]{1,12}$/),
  );
  const code = fc
    .tuple(
      name,
      fc.constantFrom('', `${namespace}#`, 'aws.protocols#', 'other.ns#'),
      fc.constantFrom('', ':http://internal.amazon.com/coral/com.amazon.coral.validate/', ',Sender'),
    )
    .map(([n, prefix, suffix]) => `${prefix}${n}${suffix}`);
  const fields = fc.record(
    {
      __type: code,
      code,
      Code: code,
      message: fc.oneof(text, fc.constant(null)),
      Message: text,
      Extra: fc.oneof(text, safeNumber, fc.constant({ nested: [1, { a: 'b' }] })),
    },
    { requiredKeys: [] },
  );
  // The members of a modeled error (DynamoDB's conditional-check failure carries the item, Logs Insights' malformed
  // query its location), read through the error's schema; and a `__proto__` key, at the top or nested, that must
  // name nothing: the SDK resets it before it reads the body.
  const members = fc
    .constantFrom(...schemas)
    .chain((schema) => wireOf(NormalizedSchema.of(schema as never)))
    .map(withinSafeNumbers);
  const proto = fc.dictionary(
    fc.constantFrom('__type', 'code', 'message', 'Message', 'Item', 'Extra'),
    text,
    {
      maxKeys: 3,
    },
  );
  const withMembers = fc
    .tuple(fields, members, fc.option(proto, { nil: undefined }), fc.option(proto, { nil: undefined }))
    .map(([own, modeledMembers, top, nested]) => {
      const body = {
        ...(modeledMembers as object),
        ...own,
        ...(nested ? { Nested: withProtoKey({ kept: 1 }, nested) } : {}),
      };
      return JSON.stringify(top ? withProtoKey(body, top) : body);
    });
  const body = fc.oneof(
    { weight: 6, arbitrary: withMembers },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '<html>Bad Gateway</html>',
        '"just a string"',
        '[1,2]',
        'null',
        '{"message":',
      ),
    },
  );
  const headers = fc.record(
    { 'x-amzn-errortype': code, 'x-amzn-requestid': fc.uuid() },
    { requiredKeys: [] },
  );
  return fc.tuple(
    fc.oneof(fc.constantFrom(400, 403, 404, 429, 500, 503), fc.integer({ min: 300, max: 599 })),
    headers,
    body,
  );
};

const requestView = (request: HttpRequest) => ({
  isHttpRequest: request instanceof HttpRequest,
  method: request.method,
  protocol: request.protocol,
  hostname: request.hostname,
  port: request.port,
  path: request.path,
  query: request.query,
  headers: request.headers,
  fragment: request.fragment,
  username: request.username,
  password: request.password,
  body: Buffer.from(request.body as Uint8Array | string).toString('hex'),
});

const outcome = async (act: () => Promise<unknown>) => {
  try {
    return { output: await act() };
  } catch (error) {
    const { stack: _stack, ...fields } = Object.getOwnPropertyDescriptors(error) as Record<string, unknown>;
    const e = error as Error;
    return {
      thrown: {
        prototype: Object.getPrototypeOf(e),
        name: e.name,
        message: e.message,
        fields: { ...(error as object) },
        own: Object.keys(fields).sort(),
      },
    };
  }
};

describe.each(clients)(
  'the bundled AWS JSON protocol, against the SDK protocol of %s',
  (_name, module, make, Ours) => {
    const { sdk, ours, config } = bothProtocols(make, Ours);
    const context = { ...config, streamCollector: config.streamCollector };
    const all = operationsOf(module);
    const supported = all.filter((op) => !isStreaming(op) && !hasHostPrefix(op));

    it("serializes every operation's generated input to the same request", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...supported)
            .chain((op) => fc.tuple(fc.constant(op), inputOf(NormalizedSchema.of(op.input)), endpoint)),
          async ([op, input, target]) => {
            const requestContext = {
              ...context,
              endpoint: async () => ({ ...target, query: { ...target.query } }),
            };
            const expected = await outcome(async () =>
              requestView(await sdk.serializeRequest(op, structuredClone(input), requestContext)),
            );
            const actual = await outcome(async () =>
              requestView(await ours.serializeRequest(op, structuredClone(input), requestContext)),
            );
            expect(actual).toStrictEqual(expected);
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    });

    it("reads every operation's generated answer to the same output", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...supported)
            .chain((op) =>
              fc.tuple(
                fc.constant(op),
                wireOf(NormalizedSchema.of(op.output)),
                responseHeaders,
                fc.boolean(),
                fc.constantFrom(200, 202),
              ),
            ),
          async ([op, wire, headers, stream, status]) => {
            const [forSdk, forOurs] = answers(status, headers, JSON.stringify(wire), stream);
            const expected = await outcome(() => sdk.deserializeResponse(op, context, forSdk));
            const actual = await outcome(() => ours.deserializeResponse(op, context, forOurs));
            expect(actual).toStrictEqual(expected);
            expect(forOurs.headers).toStrictEqual(forSdk.headers);
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    });

    it('throws the same error for every generated error answer (modeled, unmodeled, throttling, not JSON, empty)', async () => {
      const errors = errorSchemasOf(module);
      const namespace = String(config.protocolSettings.defaultNamespace);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...supported),
          errorAnswer(errors, namespace),
          responseHeaders,
          fc.boolean(),
          async (op, [status, headers, body], extraHeaders, stream) => {
            const [forSdk, forOurs] = answers(status, { ...extraHeaders, ...headers }, body, stream);
            const expected = await outcome(() => sdk.deserializeResponse(op, context, forSdk));
            const actual = await outcome(() => ours.deserializeResponse(op, context, forOurs));
            expect(expected.thrown).toBeDefined();
            expect(actual).toStrictEqual(expected);
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    });
  },
);

describe('the bundled AWS JSON protocol, on error bodies a service should not send', () => {
  const secretsManager = () => {
    const both = bothProtocols(
      () => asClient(new SecretsManager.SecretsManagerClient(REGION)),
      AwsJson1_1Protocol,
    );
    const [op] = operationsOf(SecretsManager).filter((candidate) => candidate.name === 'GetSecretValue');
    return { ...both, op: op as Operation, context: { ...both.config } };
  };

  it('names no error from a `__proto__` key of the body, as the SDK does (the code and message hidden there are not read)', async () => {
    // Prepare
    const { sdk, ours, op, context } = secretsManager();
    const body =
      '{"__proto__":{"__type":"ResourceNotFoundException","message":"hidden","Extra":"x"},"Kept":1}';
    const [forSdk, forOurs] = answers(400, {}, body, false);

    // Act
    const expected = await outcome(() => sdk.deserializeResponse(op, context, forSdk));
    const actual = await outcome(() => ours.deserializeResponse(op, context, forOurs));

    // Assess
    expect(actual).toStrictEqual(expected);
    expect(actual.thrown).toMatchObject({ name: 'Unknown', message: 'UnknownError', fields: { Kept: 1 } });
    expect(actual.thrown?.fields).not.toHaveProperty('Extra');
    expect(actual.thrown?.prototype).toBe(SecretsManager.SecretsManagerServiceException.prototype);
  });

  it('keeps a number beyond 2^53 in an error body a JSON number, where the SDK makes it a BigInt (on purpose: no member of these errors is one)', async () => {
    // Prepare
    const { sdk, ours, op, context } = secretsManager();
    const body = '{"__type":"ResourceNotFoundException","message":"m","Count":12345678901234567890}';
    const [forSdk, forOurs] = answers(400, {}, body, false);

    // Act
    const expected = await outcome(() => sdk.deserializeResponse(op, context, forSdk));
    const actual = await outcome(() => ours.deserializeResponse(op, context, forOurs));

    // Assess
    expect(expected.thrown?.fields).toMatchObject({ Count: 12_345_678_901_234_567_890n });
    expect(actual.thrown?.fields).toMatchObject({ Count: Number('12345678901234567890') });
    expect({ ...actual.thrown, fields: {} }).toStrictEqual({ ...expected.thrown, fields: {} });
  });
});

describe('the bundled AWS JSON protocol, where it differs from the SDK on purpose', () => {
  it('refuses an operation that streams events, naming the feature (CloudWatch Logs StartLiveTail)', async () => {
    // Prepare
    const { ours, config } = bothProtocols(
      () => asClient(new CloudWatchLogs.CloudWatchLogsClient(REGION)),
      AwsJson1_1Protocol,
    );
    const [op] = operationsOf(CloudWatchLogs).filter((candidate) => candidate.name === 'StartLiveTail');

    // Act
    const sent = ours.serializeRequest(
      op as Operation,
      { logGroupIdentifiers: ['g'] },
      { ...config, endpoint: async () => undefined },
    );

    // Assess
    await expect(sent).rejects.toThrow(UnsupportedJsonProtocolFeatureError);
    await expect(sent).rejects.toThrow('does not support event streams');
  });

  it('fills an idempotency token the caller left out with a fresh UUID, as the SDK does', async () => {
    // Prepare
    const { ours, config } = bothProtocols(
      () => asClient(new SecretsManager.SecretsManagerClient(REGION)),
      AwsJson1_1Protocol,
    );
    const [op] = operationsOf(SecretsManager).filter((candidate) => candidate.name === 'CreateSecret');
    const target = { protocol: 'https:', hostname: 'h', path: '/', query: {} };

    // Act
    const sent = async () =>
      ours.serializeRequest(op as Operation, { Name: 'n' }, { ...config, endpoint: async () => target });
    const [first, second] = [
      JSON.parse(String((await sent()).body)),
      JSON.parse(String((await sent()).body)),
    ];

    // Assess
    expect(first.ClientRequestToken).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(second.ClientRequestToken).not.toBe(first.ClientRequestToken);
    expect(first.Name).toBe('n');
  });
});
