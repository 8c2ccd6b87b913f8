/**
 * The operator routes of the HTTP API, in one list that the function's router, the local API Gateway and
 * the CDK stack all read, so a route cannot exist in one place and be missing in another.
 */
export const OPERATOR_ROUTES = [
  { method: 'POST', path: '/calls/{callSid}', action: 'update' },
  { method: 'POST', path: '/calls/{callSid}/terminate', action: 'terminate' },
  { method: 'GET', path: '/calls/{callSid}', action: null },
  { method: 'GET', path: '/calls', action: null },
] as const;

/** Every operator route also exists under a named SignalWire project. */
export const ACCOUNT_PREFIX = '/accounts/{accountSid}';

export type OperatorRoute = (typeof OPERATOR_ROUTES)[number];

/** `POST /calls/{callSid}`-style keys of the operator routes. */
export type OperatorRouteKey = OperatorRoute extends infer R
  ? R extends { method: infer M extends string; path: infer P extends string }
    ? `${M} ${P}`
    : never
  : never;

/** All operator routes as API Gateway route keys (`POST /calls/{callSid}`), plain and per account. */
export const operatorRouteKeys = (): string[] =>
  OPERATOR_ROUTES.flatMap(({ method, path }) => [`${method} ${path}`, `${method} ${ACCOUNT_PREFIX}${path}`]);

/** The action a route key (as API Gateway names it) stands for, or undefined for reads and unknown routes. */
export const actionOfRoute = (routeKey: string | undefined): 'update' | 'terminate' | undefined => {
  for (const { method, path, action } of OPERATOR_ROUTES) {
    if (action && (routeKey === `${method} ${path}` || routeKey === `${method} ${ACCOUNT_PREFIX}${path}`)) {
      return action;
    }
  }
  return undefined;
};

/**
 * The status-callback route: public, authenticated by SignalWire's signature instead of IAM. SignalWire sends
 * POST, or GET when the call's `StatusCallbackMethod` says so.
 */
export const STATUS_CALLBACK_ROUTE = {
  methods: ['POST', 'GET'],
  path: '/webhooks/signalwire/status',
} as const;

/** The status-callback route keys (`POST /webhooks/signalwire/status`, `GET …`). */
export const statusCallbackRouteKeys = (): string[] =>
  STATUS_CALLBACK_ROUTE.methods.map((method) => `${method} ${STATUS_CALLBACK_ROUTE.path}`);
