import type { MiddyHandlerObject } from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type {
  Context,
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import type { Route } from '#commons/http/route';
import { routeKeyRouter } from '#commons/http/route-key-router';
import { OPERATOR_ROUTES, type OperatorRouteKey, type RouterRoute, routerRoutes } from '#commons/http/routes';
import { toApiGatewayEvent } from '#local/api-gateway';
import { createLambdaContext } from '#local/lambda-context';

/** How many routers were built: the real @middy/http-router, counted. */
const built = vi.hoisted(() => ({ routers: 0 }));
vi.mock('@middy/http-router', async (importActual) => {
  const actual = await importActual<typeof import('@middy/http-router')>();
  return {
    ...actual,
    default: (...args: Parameters<typeof actual.default>) => {
      built.routers++;
      return actual.default(...args);
    },
  };
});

/** A handler per route that answers which route it is and the path parameters it was given. */
const answering =
  (name: string): Route =>
  async (event) => ({ statusCode: 200, body: JSON.stringify({ name, params: event.pathParameters ?? {} }) });

const handlers = Object.fromEntries(
  OPERATOR_ROUTES.map(({ method, path }) => [`${method} ${path}`, answering(`${method} ${path}`)]),
) as Record<OperatorRouteKey, Route>;
const ROUTES: RouterRoute<Route>[] = routerRoutes(handlers, { endAll: answering('end-all') });

const CALL = 'CA0123456789abcdef0123456789abcdef';
const ACCOUNT = '3f6b2a1c-8d4e-4b7a-9c5d-2e1f0a9b8c7d';
const context = createLambdaContext({ functionName: 'route-key-router-test' }) as Context;
const options = { signal: new AbortController().signal } as MiddyHandlerObject;

/** The event API Gateway sends for `method url`, matched to `routeKey` with `pathParameters`. */
const eventOf = (method: string, url: string, routeKey: string, pathParameters?: Record<string, string>) =>
  toApiGatewayEvent(
    {
      method,
      url,
      rawHeaders: ['Host', 'api.example.com'],
      body: Buffer.alloc(0),
      sourceIp: '127.0.0.1',
      localPort: 443,
    },
    {
      routeKey,
      ...(pathParameters ? { pathParameters } : {}),
      accountId: '123456789012',
      apiId: 'abcdef1234',
      requestId: 'request-1',
    },
  ) as unknown as HttpEvent;

const answerOf = async (
  router: (event: HttpEvent, context: Context, options: MiddyHandlerObject) => Promise<HttpResult>,
  event: HttpEvent,
) => JSON.parse(String((await router(event, context, options)).body)) as { name: string; params: object };

describe('routeKeyRouter', () => {
  it('sends every route of the table, as API Gateway routes it, to the handler @middy/http-router picks', async () => {
    const router = routeKeyRouter(ROUTES);
    const middyRouter = httpRouterHandler<HttpEvent, HttpResult>(ROUTES) as unknown as typeof router;
    for (const { method, path } of ROUTES) {
      const params = { callSid: CALL, accountSid: ACCOUNT };
      const url = path.replace('{callSid}', CALL).replace('{accountSid}', ACCOUNT);
      const named = Object.fromEntries(Object.entries(params).filter(([name]) => path.includes(`{${name}}`)));
      const event = () => eventOf(method, url, `${method} ${path}`, named);

      const answer = await answerOf(router, event());

      expect(answer, `${method} ${path}`).toEqual(await answerOf(middyRouter, event()));
      expect(answer.params).toEqual(named);
    }
  });

  it('builds no @middy/http-router for events API Gateway routed, and one for all the others', async () => {
    const router = routeKeyRouter(ROUTES);
    const before = built.routers;

    await answerOf(
      router,
      eventOf('POST', `/calls/${CALL}/terminate`, 'POST /calls/{callSid}/terminate', { callSid: CALL }),
    );
    await answerOf(router, eventOf('GET', '/calls', 'GET /calls'));
    expect(built.routers).toBe(before);

    await answerOf(router, eventOf('GET', '/calls', '$default'));
    await answerOf(router, eventOf('GET', `/calls/${CALL}`, '$default'));
    expect(built.routers).toBe(before + 1);
  });

  it('routes an event without a route key by its path, with the parameters taken from the path', async () => {
    const event = eventOf('POST', `/accounts/${ACCOUNT}/calls/${CALL}/terminate`, 'ignored');
    delete (event as { routeKey?: string }).routeKey;

    const answer = await answerOf(routeKeyRouter(ROUTES), event);

    expect(answer).toEqual({
      name: 'POST /calls/{callSid}/terminate',
      params: { accountSid: ACCOUNT, callSid: CALL },
    });
  });

  it('routes by the path when the route key lacks a path parameter of its route', async () => {
    const event = eventOf('POST', `/calls/${CALL}/transfer`, 'POST /calls/{callSid}/transfer');

    const answer = await answerOf(routeKeyRouter(ROUTES), event);

    expect(answer).toEqual({ name: 'POST /calls/{callSid}/transfer', params: { callSid: CALL } });
  });

  it('routes a $default route key by the path', async () => {
    const answer = await answerOf(routeKeyRouter(ROUTES), eventOf('GET', '/calls', '$default'));

    expect(answer).toEqual({ name: 'GET /calls', params: {} });
  });

  it("answers @middy/http-router's 404 for a path no route matches", async () => {
    const event = eventOf('DELETE', `/calls/${CALL}`, '$default');

    // Thrown as @middy/http-router throws it (synchronously); the chain's error handler answers it.
    expect(() => routeKeyRouter(ROUTES)(event, context, options)).toThrow(
      expect.objectContaining({
        statusCode: 404,
        cause: expect.objectContaining({ package: '@middy/http-router' }),
      }),
    );
  });
});
