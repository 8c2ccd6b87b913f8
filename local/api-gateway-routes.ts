import type { LocalRoute } from './api-gateway.ts';

/** How the local HTTP API picks a route for a request, as API Gateway does: the most specific match wins. */

const decodeComponent = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

export interface CompiledRoute {
  route: LocalRoute;
  method: string;
  segments: string[];
  /** Higher wins: static routes, then routes with more literal segments, then a named method over ANY. */
  rank: [number, number, number];
}

export interface RouteMatch {
  route: LocalRoute;
  pathParameters: Record<string, string>;
}

export const compileRoute = (route: LocalRoute): CompiledRoute => {
  if (route.routeKey === '$default') return { route, method: 'ANY', segments: [], rank: [-1, 0, 0] };
  const [method = '', path = ''] = route.routeKey.split(' ', 2);
  if (!path.startsWith('/')) throw new Error(`Invalid route key: ${route.routeKey}`);
  const segments = path.split('/').slice(1);
  const greedy = segments.at(-1)?.endsWith('+}') ?? false;
  const params = segments.filter((segment) => segment.startsWith('{')).length;
  const literals = segments.length - params;
  return {
    route,
    method: method.toUpperCase(),
    segments,
    rank: [greedy ? 0 : params === 0 ? 2 : 1, literals, method.toUpperCase() === 'ANY' ? 0 : 1],
  };
};

const matchPath = (segments: string[], requestSegments: string[]): Record<string, string> | undefined => {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const actual = requestSegments[index];
    if (segment.startsWith('{') && segment.endsWith('+}')) {
      const rest = requestSegments.slice(index).join('/');
      // `/console/` is `/console/{proxy+}` with an empty proxy, so a directory URL reaches its route (how AWS
      // treats the trailing slash has not been checked; the construct's docs say so). No segment at all
      // (`/console`) is no match.
      if (rest === '' && requestSegments.length === index) return undefined;
      parameters[segment.slice(1, -2)] = decodeComponent(rest);
      return parameters;
    }
    if (actual === undefined) return undefined;
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (actual === '') return undefined;
      parameters[segment.slice(1, -1)] = decodeComponent(actual);
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return segments.length === requestSegments.length ? parameters : undefined;
};

export const compareRank = (a: CompiledRoute, b: CompiledRoute): number =>
  b.rank[0] - a.rank[0] || b.rank[1] - a.rank[1] || b.rank[2] - a.rank[2];

export const findRoute = (routes: CompiledRoute[], method: string, path: string): RouteMatch | undefined => {
  const requestSegments = path.split('/').slice(1);
  for (const compiled of routes) {
    if (compiled.route.routeKey === '$default') return { route: compiled.route, pathParameters: {} };
    if (compiled.method !== 'ANY' && compiled.method !== method) continue;
    const pathParameters = matchPath(compiled.segments, requestSegments);
    if (pathParameters) return { route: compiled.route, pathParameters };
  }
  return undefined;
};

/**
 * The route API Gateway picks for a request among `routeKeys`, with its path parameters, as the server does:
 * for tests that build events in-process with {@link toApiGatewayEvent}. Undefined when none matches.
 */
export const matchRoute = (
  routeKeys: readonly string[],
  method: string,
  path: string,
): { routeKey: string; pathParameters: Record<string, string> } | undefined => {
  const routes = routeKeys
    .map((routeKey) => compileRoute({ routeKey, auth: 'none', handler: async () => undefined }))
    .sort(compareRank);
  const match = findRoute(routes, method.toUpperCase(), path);
  return match && { routeKey: match.route.routeKey, pathParameters: match.pathParameters };
};
