import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayEventRequestContextV2, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { type HttpAnswer, INTERNAL_SERVER_ERROR, jsonAnswer, toHttpAnswer } from './api-gateway-answer.ts';
import { checkJwt, type JwtAuthorizer } from './api-gateway-jwt.ts';
import { compareRank, compileRoute, findRoute } from './api-gateway-routes.ts';
import { createLambdaContext } from './lambda-context.ts';
import { checkSignature, type LocalCredentials } from './sigv4-check.ts';

export { matchRoute } from './api-gateway-routes.ts';

/** The IAM caller API Gateway puts in `requestContext.authorizer.iam` for routes with IAM authorization. */
export interface IamIdentity {
  userArn: string;
  accountId: string;
  callerId: string;
  accessKey: string;
  userId: string;
}

/** `requestContext.authorizer` of an IAM-authorized HTTP API route. */
export interface IamAuthorizer {
  iam: IamIdentity & { cognitoIdentity: null; principalOrgId: null };
}

/** The payload format 2.0 event this server builds; `authorizer` is present on IAM and JWT routes only. */
export type LocalApiGatewayEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayEventRequestContextV2 & { authorizer?: IamAuthorizer | JwtAuthorizer };
};

/** One HTTP API route with its Lambda proxy integration. */
export interface LocalRoute {
  /** `'METHOD /path'` with `{param}` and a final greedy `{proxy+}` allowed, `ANY` as method, or `'$default'`. */
  routeKey: string;
  /**
   * The Lambda handler. Declared as a method so a handler typed for a narrower event (for instance
   * `APIGatewayProxyEventV2WithIAMAuthorizer`) can be registered as is. Returns a structured
   * `APIGatewayProxyResultV2` or any JSON value.
   */
  handler(event: APIGatewayProxyEventV2, context: Context): Promise<unknown>;
  /** `'iam'`: AWS_IAM authorization; `'jwt'`: a JWT authorizer (`verifyJwt`) with the route's `scopes`. */
  auth: 'iam' | 'jwt' | 'none';
  /** JWT routes: one of these scopes is needed. @default - any verified token */
  scopes?: readonly string[];
  /** Function name for the Lambda context. @default LocalApiGatewayOptions.functionName */
  functionName?: string;
  /**
   * The alias the integration invokes (the deployed operator routes invoke `api-gateway`), which the function
   * reads from `context.invokedFunctionArn` to tell API Gateway from a direct invoke.
   * @default - the unqualified function
   */
  alias?: string;
}

/** Options for {@link startLocalApiGateway}. */
export interface LocalApiGatewayOptions {
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  routes: LocalRoute[];
  /** @default 'local-function' */
  functionName?: string;
  /**
   * Function timeout: the context's deadline, and after it the caller gets the 500 API Gateway answers
   * when the function fails. The handler itself cannot be stopped and runs on in the background.
   * @default 30000 (the HTTP API integration timeout)
   */
  timeoutMs?: number;
  /** Caller used for IAM routes. @default a local developer user in account 123456789012 */
  identity?: IamIdentity;
  /** @default 'us-east-1' */
  region?: string;
  /** @default a random 10-character id */
  apiId?: string;
  /**
   * Credentials whose SigV4 signatures IAM routes accept: a signed request with another key, a wrong
   * signature or a date more than five minutes off is refused 403, as API Gateway does.
   * @default - signatures are not checked (the access key is taken from the credential scope)
   */
  credentials?: LocalCredentials;
  /** Verifies a JWT route's bearer token: its claims, or a throw. @default - JWT routes answer 401 */
  verifyJwt?: (token: string) => Promise<Record<string, unknown>>;
  /** Told about each handler failure (throw or timeout). @default writes the error to stderr */
  onHandlerError?: (error: unknown, routeKey: string) => void;
}

/** A running local HTTP API. */
export interface LocalApiGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The parts of an HTTP request API Gateway turns into an event. */
export interface HttpRequestSnapshot {
  method: string;
  /** Request target as sent: path and optional query string. */
  url: string;
  /** Header names and values in arrival order, as node's `IncomingMessage.rawHeaders`. */
  rawHeaders: string[];
  /** Empty when the request has no body. */
  body: Buffer;
  sourceIp: string;
  /** Port the request arrived on, for `x-forwarded-port`. */
  localPort: number;
}

/** What API Gateway knows about a request besides the request itself. */
export interface EventSettings {
  routeKey: string;
  pathParameters?: Record<string, string>;
  accountId: string;
  apiId: string;
  requestId: string;
  /** Set on IAM and JWT routes only. */
  authorizer?: IamAuthorizer | JwtAuthorizer;
  /** @default new Date() */
  now?: Date;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_IDENTITY: IamIdentity = {
  userArn: 'arn:aws:iam::123456789012:user/local-developer',
  accountId: '123456789012',
  callerId: 'AIDALOCALDEVELOPER000',
  accessKey: 'AKIALOCALDEVELOPER00',
  userId: 'AIDALOCALDEVELOPER000',
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TEXT_MEDIA_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);

const pad = (value: number): string => String(value).padStart(2, '0');

/** API Gateway's `requestContext.time`: `27/Nov/2026:14:00:00 +0000`. */
const requestTime = (date: Date): string =>
  `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;

/** API Gateway request ids look like `JKJaXmPLvHcESHA=`. */
const newRequestId = (): string => randomBytes(11).toString('base64');

const newApiId = (): string =>
  Array.from(randomBytes(10), (byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36]).join('');

/**
 * HTTP APIs hand Lambda text bodies as UTF-8 strings and every other body (form posts and a missing
 * content type included) base64-encoded. `text/*` and the three application types are the split observed on
 * AWS; `+json`/`+xml` structured-syntax types are treated as text too, which has not been checked on AWS.
 */
const isTextBody = (contentType: string | undefined): boolean => {
  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return (
    mediaType.startsWith('text/') ||
    TEXT_MEDIA_TYPES.has(mediaType) ||
    mediaType.endsWith('+json') ||
    mediaType.endsWith('+xml')
  );
};

/**
 * Builds the payload format 2.0 event API Gateway HTTP APIs send to a Lambda proxy integration: headers
 * lower-cased with repeated headers joined by `,`, cookies moved from the `Cookie` header to `cookies`,
 * repeated query parameters joined by `,`, and optional fields (`cookies`, `queryStringParameters`,
 * `pathParameters`, `body`) absent rather than null when empty.
 */
export function toApiGatewayEvent(
  request: HttpRequestSnapshot,
  settings: EventSettings,
): LocalApiGatewayEvent {
  const now = settings.now ?? new Date();
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : request.url.slice(queryAt + 1);

  // A Map, then fromEntries (as the query below): a name an object inherits (`constructor`, `__proto__`) is a
  // header like any other, with only its own value, as in the JSON event Lambda parses.
  const sent = new Map<string, string>();
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter(Boolean),
      );
      continue;
    }
    const earlier = sent.get(name);
    sent.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  const headers: Record<string, string> = Object.fromEntries(sent);
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  // A Map, then fromEntries: every name becomes an own field, `__proto__` included, as in the JSON event Lambda
  // parses (an assignment would set the object's prototype instead).
  const joined = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    const earlier = joined.get(key);
    joined.set(key, earlier === undefined ? value : `${earlier},${value}`);
  }
  const query: Record<string, string> = Object.fromEntries(joined);

  const host = headers.host ?? '';
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  const requestContext: LocalApiGatewayEvent['requestContext'] = {
    accountId: settings.accountId,
    apiId: settings.apiId,
    domainName: host,
    domainPrefix: hostname.split('.')[0] ?? hostname,
    http: {
      method: request.method,
      path: rawPath,
      protocol: 'HTTP/1.1',
      sourceIp: request.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: settings.requestId,
    routeKey: settings.routeKey,
    stage: '$default',
    time: requestTime(now),
    timeEpoch: now.getTime(),
    ...(settings.authorizer ? { authorizer: settings.authorizer } : {}),
  };

  const hasBody = request.body.length > 0;
  const asText = isTextBody(headers['content-type']);
  return {
    version: '2.0',
    routeKey: settings.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(joined.size > 0 ? { queryStringParameters: query } : {}),
    requestContext,
    ...(hasBody ? { body: request.body.toString(asText ? 'utf8' : 'base64') } : {}),
    ...(settings.pathParameters && Object.keys(settings.pathParameters).length > 0
      ? { pathParameters: settings.pathParameters }
      : {}),
    isBase64Encoded: hasBody && !asText,
  };
}

const accessKeyOf = (authorization: string): string | undefined =>
  /Credential=([^/,\s]+)\//.exec(authorization)?.[1];

const readBody = async (req: IncomingMessage): Promise<Buffer | undefined> => {
  const chunks: Buffer[] = [];
  let size = 0;
  // Keep draining past the limit so the client sees the 413 instead of a reset connection.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
};

const withTimeout = async (work: Promise<unknown>, timeoutMs: number): Promise<unknown> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Serves `routes` over real HTTP the way an API Gateway HTTP API with Lambda proxy integrations
 * (payload format 2.0) does: each request becomes a 2.0 event (see {@link toApiGatewayEvent}) for the most
 * specific route (static paths, then `{param}` paths, then a greedy `{proxy+}`, then `$default`), the
 * handler runs with a fresh Lambda context, and its result is mapped back to HTTP. Unknown routes get 404
 * `{"message":"Not Found"}`, handler failures 500 `{"message":"Internal Server Error"}`, bodies over 10 MB
 * 413; every answer carries an `apigw-requestid` header.
 *
 * IAM routes: a request whose `Authorization` header is a SigV4 one (`AWS4-HMAC-SHA256 ...`) has its
 * signature checked against `credentials` when they are given (403 with API Gateway's message when it does
 * not hold), and is otherwise accepted with the access key taken from its credential scope; a request with no
 * `Authorization` header at all is accepted as the configured local `identity`, so curl works without
 * signing; any other `Authorization` gets 403. This is a local stand-in, not a security boundary.
 */
export async function startLocalApiGateway(options: LocalApiGatewayOptions): Promise<LocalApiGateway> {
  const host = options.host ?? '127.0.0.1';
  const identity = options.identity ?? DEFAULT_IDENTITY;
  const region = options.region ?? 'us-east-1';
  const apiId = options.apiId ?? newApiId();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const onHandlerError =
    options.onHandlerError ??
    ((error: unknown, routeKey: string) => console.error(`[local-api-gateway] ${routeKey} failed:`, error));
  const routes = options.routes.map(compileRoute).sort(compareRank);

  const respond = async (req: IncomingMessage, requestId: string): Promise<HttpAnswer> => {
    const body = await readBody(req);
    if (body === undefined) return jsonAnswer(413, { message: 'Request Entity Too Large' });
    const url = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const match = findRoute(routes, method, url.split('?', 1)[0] ?? '/');
    if (!match) return jsonAnswer(404, { message: 'Not Found' });

    let authorizer: IamAuthorizer | JwtAuthorizer | undefined;
    if (match.route.auth === 'jwt') {
      const jwt = await checkJwt(req.headers.authorization, match.route.scopes, options.verifyJwt);
      if ('refusal' in jwt) return jsonAnswer(jwt.refusal.status, { message: jwt.refusal.message });
      authorizer = jwt.authorizer;
    } else if (match.route.auth === 'iam') {
      const authorization = req.headers.authorization;
      if (authorization !== undefined && !authorization.startsWith('AWS4-HMAC-SHA256')) {
        return jsonAnswer(403, { message: 'Forbidden' });
      }
      if (authorization !== undefined && options.credentials) {
        const refusal = await checkSignature(
          { method, url, headers: req.headers, body },
          authorization,
          options.credentials,
          { region },
        );
        if (refusal) return jsonAnswer(refusal.status, { message: refusal.message });
      }
      const accessKey = authorization === undefined ? undefined : accessKeyOf(authorization);
      authorizer = {
        iam: {
          accessKey: accessKey ?? identity.accessKey,
          accountId: identity.accountId,
          callerId: identity.callerId,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: identity.userArn,
          userId: identity.userId,
        },
      };
    }

    const event = toApiGatewayEvent(
      {
        method,
        url,
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        localPort: req.socket.localPort ?? 0,
      },
      {
        routeKey: match.route.routeKey,
        pathParameters: match.pathParameters,
        accountId: identity.accountId,
        apiId,
        requestId,
        authorizer,
      },
    );
    const context = createLambdaContext({
      functionName: match.route.functionName ?? options.functionName ?? 'local-function',
      timeoutMs,
      region,
      accountId: identity.accountId,
      ...(match.route.alias ? { alias: match.route.alias } : {}),
    });
    try {
      return toHttpAnswer(await withTimeout(match.route.handler(event, context), timeoutMs));
    } catch (error) {
      onHandlerError(error, match.route.routeKey);
      return INTERNAL_SERVER_ERROR();
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const requestId = newRequestId();
    const send = (answer: HttpAnswer): void => {
      res.writeHead(answer.status, {
        ...answer.headers,
        'content-length': answer.body.length,
        'apigw-requestid': requestId,
      });
      res.end(answer.body);
    };
    respond(req, requestId).then(send, (error: unknown) => {
      onHandlerError(error, '(gateway)');
      send(INTERNAL_SERVER_ERROR());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
