import type { MiddyHandlerObject } from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type {
  Context,
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import type { Route } from './route.ts';
import type { RouterRoute } from './routes.ts';

/** The `{name}` parameters of a route path (whole segments, as API Gateway and the router take them). */
const parametersOf = (path: string): string[] =>
  path
    .split('/')
    .filter((segment) => segment.startsWith('{') && segment.endsWith('}'))
    .map((segment) => segment.slice(1, -1));

/**
 * The operator function's router: API Gateway has already matched the route, so an event whose `routeKey` is
 * one of `routes` (with every parameter of that route in `pathParameters`) goes straight to its handler, and
 * anything else (a `$default` or unknown route key, a hand-built event) to @middy/http-router over the same
 * table, which matches `rawPath` and answers its 404 for no match. The two agree wherever both apply: the
 * router would match the same route (API Gateway matched it on the same path) and keep API Gateway's
 * `pathParameters`, which win over its own captures. The point is the cold start: @middy/http-router compiles
 * a regular expression per route when it is built (about a millisecond for this table), so it is built only
 * when an event needs it, and a cold start that API Gateway routed never builds it.
 */
export const routeKeyRouter = (
  routes: readonly RouterRoute<Route>[],
): ((event: HttpEvent, context: Context, options: MiddyHandlerObject) => Promise<HttpResult>) => {
  const byKey = new Map(
    routes.map((route) => [
      `${route.method} ${route.path}`,
      { ...route, parameters: parametersOf(route.path) },
    ]),
  );
  let router: ReturnType<typeof httpRouterHandler<HttpEvent, HttpResult>> | undefined;
  return (event, context, options) => {
    // A hand-built event may have no route key: no key of the table is undefined.
    const route = byKey.get(event.routeKey as string);
    const given = event.pathParameters;
    if (route?.parameters.every((name) => typeof given?.[name] === 'string')) {
      // A route is called as the router calls it, `(event, context, { signal })` (route.ts).
      return route.handler(event, context, options as never) as Promise<HttpResult>;
    }
    router ??= httpRouterHandler<HttpEvent, HttpResult>([...routes]);
    return router(event, context, options) as Promise<HttpResult>;
  };
};
