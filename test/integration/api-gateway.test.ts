import { request as httpRequest } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type IamAuthorizer,
  type LocalApiGateway,
  type LocalApiGatewayEvent,
  type LocalRoute,
  startLocalApiGateway,
  toApiGatewayEvent,
} from '#local/api-gateway';

const identity = {
  userArn: 'arn:aws:iam::111122223333:user/tester',
  accountId: '111122223333',
  callerId: 'AIDATESTER',
  accessKey: 'AKIATESTER',
  userId: 'AIDATESTER',
};

interface Invocation {
  event: LocalApiGatewayEvent;
  context: Context;
}

let invocations: Invocation[];
let handlerErrors: Array<{ error: unknown; routeKey: string }>;
let api: LocalApiGateway;

const recording =
  (result: unknown = { statusCode: 200, body: 'ok' }) =>
  async (event: APIGatewayProxyEventV2, context: Context): Promise<unknown> => {
    invocations.push({ event: event as LocalApiGatewayEvent, context });
    return result;
  };

const routes: LocalRoute[] = [
  { routeKey: 'POST /calls/{callSid}', auth: 'iam', handler: recording() },
  { routeKey: 'GET /calls', auth: 'none', handler: recording() },
  { routeKey: 'GET /calls/{callSid}', auth: 'none', handler: recording() },
  { routeKey: 'GET /calls/active', auth: 'none', handler: recording() },
  { routeKey: 'ANY /files/{proxy+}', auth: 'none', handler: recording() },
  {
    routeKey: 'GET /structured',
    auth: 'none',
    handler: recording({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'x-count': 3 },
      cookies: ['session=abc; Path=/', 'theme=dark'],
      body: 'created',
    }),
  },
  {
    routeKey: 'GET /binary',
    auth: 'none',
    handler: recording({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
      isBase64Encoded: true,
    }),
  },
  { routeKey: 'GET /plain-object', auth: 'none', handler: recording({ ok: true, items: [1, 2] }) },
  { routeKey: 'GET /plain-string', auth: 'none', handler: recording('hello') },
  {
    routeKey: 'GET /boom',
    auth: 'none',
    handler: async () => {
      throw new Error('handler exploded');
    },
  },
  {
    routeKey: 'GET /slow',
    auth: 'none',
    handler: () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 400)),
  },
];

const lastEvent = (): LocalApiGatewayEvent => {
  const invocation = invocations.at(-1);
  if (!invocation) throw new Error('the handler was not invoked');
  return invocation.event;
};

beforeEach(async () => {
  invocations = [];
  handlerErrors = [];
  api = await startLocalApiGateway({
    routes,
    identity,
    functionName: 'call-control-http',
    timeoutMs: 200,
    onHandlerError: (error, routeKey) => handlerErrors.push({ error, routeKey }),
  });
});

afterEach(async () => {
  await api.stop();
});

describe('startLocalApiGateway request events', () => {
  it('passes a form body base64-encoded with isBase64Encoded true, like an HTTP API', async () => {
    // Prepare
    const form = 'Status=completed&Url=https%3A%2F%2Fexample.com%2Ftwiml';

    // Act
    await fetch(`${api.url}/calls/CA123`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });

    // Assess
    const event = lastEvent();
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(Buffer.from(form).toString('base64'));
    expect(event.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('passes a JSON body as plain text and keeps the charset in the content type', async () => {
    // Prepare
    const json = JSON.stringify({ status: 'completed', note: 'café' });

    // Act
    await fetch(`${api.url}/calls/CA123`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: json,
    });

    // Assess
    const event = lastEvent();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBe(json);
    expect(event.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('builds the event fields for a route with a path parameter and IAM authorization', async () => {
    // Act
    const response = await fetch(`${api.url}/calls/CA123%40test?dryRun=true`, {
      method: 'POST',
      headers: { 'X-Custom-Header': 'Mixed Case', 'User-Agent': 'integration-test', Cookie: 'a=1; b=2' },
      body: '{}',
    });

    // Assess
    const event = lastEvent();
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('POST /calls/{callSid}');
    expect(event.rawPath).toBe('/calls/CA123%40test');
    expect(event.rawQueryString).toBe('dryRun=true');
    expect(event.queryStringParameters).toEqual({ dryRun: 'true' });
    expect(event.pathParameters).toEqual({ callSid: 'CA123@test' });
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers['x-custom-header']).toBe('Mixed Case');
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.requestContext).toEqual({
      accountId: '111122223333',
      apiId: expect.stringMatching(/^[a-z0-9]{10}$/),
      domainName: `127.0.0.1:${api.port}`,
      domainPrefix: '127',
      http: {
        method: 'POST',
        path: '/calls/CA123%40test',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'integration-test',
      },
      requestId: response.headers.get('apigw-requestid'),
      routeKey: 'POST /calls/{callSid}',
      stage: '$default',
      time: expect.stringMatching(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/),
      timeEpoch: expect.any(Number),
      authorizer: {
        iam: { ...identity, cognitoIdentity: null, principalOrgId: null },
      },
    });
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5000);
  });

  it('joins repeated query parameters with commas and keeps the raw query string', async () => {
    // Act
    await fetch(`${api.url}/calls?status=queued&status=ringing&page=2&to=%2B15551234567`);

    // Assess
    const event = lastEvent();
    expect(event.routeKey).toBe('GET /calls');
    expect(event.rawQueryString).toBe('status=queued&status=ringing&page=2&to=%2B15551234567');
    expect(event.queryStringParameters).toEqual({ status: 'queued,ringing', page: '2', to: '+15551234567' });
  });

  it('leaves out the optional fields a bare GET does not have', async () => {
    // Act
    await fetch(`${api.url}/calls`);

    // Assess
    const event = lastEvent();
    expect(event.rawQueryString).toBe('');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('cookies');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('joins repeated headers with commas', async () => {
    // Act
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(`${api.url}/calls`, {
        // A raw header list sends the repeats as separate lines; node then adds no Host header itself.
        headers: ['Host', `127.0.0.1:${api.port}`, 'X-Repeated', 'one', 'x-repeated', 'two'],
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });

    // Assess
    expect(status).toBe(200);
    expect(lastEvent().headers['x-repeated']).toBe('one,two');
  });

  it('gives each invocation a fresh Lambda context with the function name and a deadline', async () => {
    // Act
    await fetch(`${api.url}/calls`);
    await fetch(`${api.url}/calls`);

    // Assess
    const [first, second] = invocations.map((invocation) => invocation.context);
    expect(first?.functionName).toBe('call-control-http');
    expect(first?.invokedFunctionArn).toBe(
      'arn:aws:lambda:us-east-1:111122223333:function:call-control-http',
    );
    expect(first?.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.awsRequestId).not.toBe(second?.awsRequestId);
    const remaining = second?.getRemainingTimeInMillis() ?? -1;
    expect(remaining).toBeGreaterThanOrEqual(0);
    expect(remaining).toBeLessThanOrEqual(200);
    expect(() => first?.succeed('legacy')).toThrow('callback-era');
  });
});

describe('startLocalApiGateway IAM routes', () => {
  it('takes the access key of a SigV4 Authorization header for the IAM authorizer', async () => {
    // Act
    await fetch(`${api.url}/calls/CA1`, {
      method: 'POST',
      headers: {
        Authorization:
          'AWS4-HMAC-SHA256 Credential=AKIASIGNED/20261127/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=abc',
      },
    });

    // Assess
    expect((lastEvent().requestContext.authorizer as IamAuthorizer | undefined)?.iam.accessKey).toBe(
      'AKIASIGNED',
    );
  });

  it('refuses an Authorization header that is not SigV4 with 403', async () => {
    // Act
    const response = await fetch(`${api.url}/calls/CA1`, {
      method: 'POST',
      headers: { Authorization: 'Bearer token' },
    });

    // Assess
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden' });
    expect(invocations).toHaveLength(0);
  });
});

describe('startLocalApiGateway routing', () => {
  it('prefers an exact route over a {param} route', async () => {
    // Act
    await fetch(`${api.url}/calls/active`);

    // Assess
    expect(lastEvent().routeKey).toBe('GET /calls/active');
    expect(lastEvent()).not.toHaveProperty('pathParameters');
  });

  it('matches a greedy {proxy+} route for any depth and method', async () => {
    // Act
    await fetch(`${api.url}/files/a/b%20c/d.txt`, { method: 'DELETE' });

    // Assess
    expect(lastEvent().routeKey).toBe('ANY /files/{proxy+}');
    expect(lastEvent().pathParameters).toEqual({ proxy: 'a/b c/d.txt' });
  });

  it.each([
    ['an unknown path', 'GET', '/nowhere'],
    ['a known path with another method', 'DELETE', '/calls'],
  ])('answers %s with 404 Not Found', async (_, method, path) => {
    // Act
    const response = await fetch(`${api.url}${path}`, { method });

    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    expect(response.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    expect(invocations).toHaveLength(0);
  });

  it('answers a body over 10 MB with 413 without invoking the handler', async () => {
    // Act
    const response = await fetch(`${api.url}/calls/CA1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 'a'),
    });

    // Assess
    expect(response.status).toBe(413);
    expect(invocations).toHaveLength(0);
  });
});

describe('startLocalApiGateway responses', () => {
  it('maps a structured result to status, headers, cookies and body', async () => {
    // Act
    const response = await fetch(`${api.url}/structured`);

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('x-count')).toBe('3');
    expect(response.headers.getSetCookie()).toEqual(['session=abc; Path=/', 'theme=dark']);
    expect(response.headers.get('apigw-requestid')).toBe(lastEvent().requestContext.requestId);
    expect(await response.text()).toBe('created');
  });

  it('decodes a base64 body when the result says isBase64Encoded', async () => {
    // Act
    const response = await fetch(`${api.url}/binary`);

    // Assess
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0, 1, 2, 255]);
  });

  it('answers a result without statusCode as 200 JSON', async () => {
    // Act
    const objectResponse = await fetch(`${api.url}/plain-object`);
    const stringResponse = await fetch(`${api.url}/plain-string`);

    // Assess
    expect(objectResponse.status).toBe(200);
    expect(objectResponse.headers.get('content-type')).toBe('application/json');
    expect(await objectResponse.json()).toEqual({ ok: true, items: [1, 2] });
    expect(stringResponse.status).toBe(200);
    expect(await stringResponse.text()).toBe('"hello"');
  });

  it('answers a handler that throws with 500 Internal Server Error and reports the error', async () => {
    // Act
    const response = await fetch(`${api.url}/boom`);

    // Assess
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(handlerErrors).toEqual([{ error: new Error('handler exploded'), routeKey: 'GET /boom' }]);
  });

  it('answers a handler that outlives the function timeout with 500', async () => {
    // Act
    const response = await fetch(`${api.url}/slow`);

    // Assess
    expect(response.status).toBe(500);
    expect(handlerErrors[0]?.error).toEqual(new Error('Task timed out after 0.20 seconds'));
  });
});

describe('toApiGatewayEvent', () => {
  it('builds the 2.0 event from a request snapshot', () => {
    // Act
    const event = toApiGatewayEvent(
      {
        method: 'PUT',
        url: '/things/x?b=1&b=2',
        rawHeaders: [
          'Host',
          'api.example.com',
          'Cookie',
          'a=1',
          'Cookie',
          'c=3',
          'Content-Type',
          'image/png',
        ],
        body: Buffer.from([137, 80, 78, 71]),
        sourceIp: '203.0.113.7',
        localPort: 443,
      },
      {
        routeKey: 'PUT /things/{id}',
        pathParameters: { id: 'x' },
        accountId: '123456789012',
        apiId: 'abc123defg',
        requestId: 'REQ',
        now: new Date('2026-11-27T14:00:00.000Z'),
      },
    );

    // Assess
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'PUT /things/{id}',
      rawPath: '/things/x',
      rawQueryString: 'b=1&b=2',
      cookies: ['a=1', 'c=3'],
      headers: {
        host: 'api.example.com',
        'content-type': 'image/png',
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-port': '443',
        'x-forwarded-proto': 'http',
        'x-amzn-trace-id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
      },
      queryStringParameters: { b: '1,2' },
      requestContext: {
        accountId: '123456789012',
        apiId: 'abc123defg',
        domainName: 'api.example.com',
        domainPrefix: 'api',
        http: {
          method: 'PUT',
          path: '/things/x',
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.7',
          userAgent: '',
        },
        requestId: 'REQ',
        routeKey: 'PUT /things/{id}',
        stage: '$default',
        time: '27/Nov/2026:14:00:00 +0000',
        timeEpoch: Date.parse('2026-11-27T14:00:00.000Z'),
      },
      body: Buffer.from([137, 80, 78, 71]).toString('base64'),
      pathParameters: { id: 'x' },
      isBase64Encoded: true,
    });
  });

  it('keeps header names an object inherits as own headers with their value, as the JSON event Lambda parses', () => {
    const event = toApiGatewayEvent(
      {
        method: 'GET',
        url: '/things/x',
        rawHeaders: [
          'Host',
          'api.example.com',
          'Constructor',
          'a',
          'toString',
          'b',
          '__proto__',
          'c',
          'valueOf',
          'd',
        ],
        body: Buffer.alloc(0),
        sourceIp: '203.0.113.7',
        localPort: 443,
      },
      { routeKey: 'GET /things/{id}', accountId: '123456789012', apiId: 'abc123defg', requestId: 'REQ' },
    );

    const sent = JSON.parse(JSON.stringify(event)) as typeof event;
    expect(Object.entries(event.headers)).toEqual(Object.entries(sent.headers));
    expect(Object.getPrototypeOf(event.headers)).toBe(Object.prototype);
    expect(Object.entries(event.headers).slice(0, 5)).toEqual([
      ['host', 'api.example.com'],
      ['constructor', 'a'],
      ['tostring', 'b'],
      ['__proto__', 'c'],
      ['valueof', 'd'],
    ]);
  });
});
