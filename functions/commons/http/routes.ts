/**
 * The operator routes of the HTTP API, in one list that the function's router, the local API Gateway and
 * the CDK stack all read, so a route cannot exist in one place and be missing in another.
 */
export const OPERATOR_ROUTES = [
  { method: 'POST', path: '/calls/{callSid}', action: 'update' },
  { method: 'POST', path: '/calls/{callSid}/terminate', action: 'terminate' },
  { method: 'POST', path: '/calls/{callSid}/transfer', action: 'transfer' },
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
export const actionOfRoute = (
  routeKey: string | undefined,
): 'update' | 'terminate' | 'transfer' | undefined => {
  if (routeKey === `POST ${CONSOLE_API_PREFIX}${END_ALL_PATH}`) return 'terminate';
  // A console route is the operator route it prefixes.
  if (routeKey?.includes(` ${CONSOLE_API_PREFIX}/`))
    routeKey = routeKey.replace(` ${CONSOLE_API_PREFIX}/`, ' /');
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

/**
 * The operator routes again, for people signed in to the console: the same handler behind the HTTP API's JWT
 * authorizer instead of IAM (a route key has one authorizer, and machines keep theirs under the plain paths).
 */
export const CONSOLE_API_PREFIX = '/console-api';

/**
 * The OAuth scopes of the console's access tokens, one per role. API Gateway's JWT authorizer checks them on
 * each console route, so a role is enforced by the API, not only hidden in the page.
 */
export const CONSOLE_SCOPES = {
  /** List and read calls and audit records. */
  read: 'call-control/read',
  /** End, redirect and update a call. */
  write: 'call-control/write',
  /** The kill switch (end every matching call) and cleanup runs. */
  admin: 'call-control/admin',
} as const;

/**
 * The console's groups (Cognito user-pool groups), each with the scopes it grants; each role includes the ones before.
 * Built by a call marked pure: a bundler keeps an object literal that reads properties even when nothing uses it,
 * and only the console's token function does (168 bytes of the http-api bundle otherwise).
 */
export const CONSOLE_GROUPS = /* @__PURE__ */ (() =>
  ({
    viewer: [CONSOLE_SCOPES.read],
    operator: [CONSOLE_SCOPES.read, CONSOLE_SCOPES.write],
    admin: [CONSOLE_SCOPES.read, CONSOLE_SCOPES.write, CONSOLE_SCOPES.admin],
  }) as const satisfies Record<string, readonly string[]>)();

export type ConsoleGroup = keyof typeof CONSOLE_GROUPS;

/** The scopes a user of these groups gets (unknown groups grant nothing), in a stable order. */
export const scopesOfGroups = (groups: readonly string[]): string[] => {
  const granted = new Set<string>();
  for (const group of groups) {
    if (Object.hasOwn(CONSOLE_GROUPS, group)) {
      for (const scope of CONSOLE_GROUPS[group as ConsoleGroup]) granted.add(scope);
    }
  }
  return Object.values(CONSOLE_SCOPES).filter((scope) => granted.has(scope));
};

/** The audit search route, read-only: the console's audit pages and charts. */
export const AUDIT_ROUTE = { method: 'GET', path: '/audit' } as const;

/** The console's cleanup routes: a dry run of a policy (admin), and the last cleanup reports (read). */
export const CLEANUP_DRY_RUN_ROUTE = { method: 'POST', path: '/cleanup/dry-run' } as const;
export const CLEANUP_RUNS_ROUTE = { method: 'GET', path: '/cleanup/runs' } as const;

/** A console route: its API Gateway route key and the one scope it requires. */
export interface ConsoleRoute {
  routeKey: string;
  scope: string;
}

/**
 * Every console route with its scope: reading needs `read`, changing a call `write`; `end-all` is the
 * terminate action under its own path so that only `admin` may run the kill switch.
 */
export const consoleRoutes = (): ConsoleRoute[] => [
  ...OPERATOR_ROUTES.flatMap(({ method, path, action }) => {
    const scope = action ? CONSOLE_SCOPES.write : CONSOLE_SCOPES.read;
    return [
      { routeKey: `${method} ${CONSOLE_API_PREFIX}${path}`, scope },
      { routeKey: `${method} ${CONSOLE_API_PREFIX}${ACCOUNT_PREFIX}${path}`, scope },
    ];
  }),
  { routeKey: `POST ${CONSOLE_API_PREFIX}${END_ALL_PATH}`, scope: CONSOLE_SCOPES.admin },
  { routeKey: `${AUDIT_ROUTE.method} ${CONSOLE_API_PREFIX}${AUDIT_ROUTE.path}`, scope: CONSOLE_SCOPES.read },
  {
    routeKey: `${CLEANUP_RUNS_ROUTE.method} ${CONSOLE_API_PREFIX}${CLEANUP_RUNS_ROUTE.path}`,
    scope: CONSOLE_SCOPES.read,
  },
  {
    routeKey: `${CLEANUP_DRY_RUN_ROUTE.method} ${CONSOLE_API_PREFIX}${CLEANUP_DRY_RUN_ROUTE.path}`,
    scope: CONSOLE_SCOPES.admin,
  },
];

/**
 * Which function serves a console route: the operator function (calls, end-all), the audit search (audit
 * records, cleanup reports) or the cleanup dry run (which alone carries the cleanup engine).
 */
export const consoleRouteTarget = (routeKey: string): 'operator' | 'audit-search' | 'cleanup-dry-run' => {
  const path = routeKey.slice(routeKey.indexOf(' ') + 1);
  if (path === `${CONSOLE_API_PREFIX}${CLEANUP_DRY_RUN_ROUTE.path}`) return 'cleanup-dry-run';
  if (
    path === `${CONSOLE_API_PREFIX}${AUDIT_ROUTE.path}` ||
    path === `${CONSOLE_API_PREFIX}${CLEANUP_RUNS_ROUTE.path}`
  )
    return 'audit-search';
  return 'operator';
};

/**
 * The kill switch's one step: end this call as part of an end-all. The console previews the matching calls,
 * asks for their count, then ends them one request each (a progress bar, and each end audited on its own).
 */
export const END_ALL_PATH = '/end-all/{callSid}';

/** A route of the operator function's router (@middy/http-router's shape). */
export interface RouterRoute<H> {
  method: 'GET' | 'POST';
  path: string;
  handler: H;
}

/**
 * The operator function's router table: each operator route under its plain path (machines, IAM) and under
 * `/console-api` (people, the JWT authorizer), both also per account; then the one console route of its own
 * that this function serves, the kill switch's step.
 */
export const routerRoutes = <H>(
  handlers: Record<OperatorRouteKey, H>,
  console: { endAll: H },
): RouterRoute<H>[] => [
  ...OPERATOR_ROUTES.flatMap(({ method, path }) => {
    const handler = handlers[`${method} ${path}` as OperatorRouteKey];
    return ['', CONSOLE_API_PREFIX].flatMap((prefix) => [
      { method, path: `${prefix}${path}`, handler },
      { method, path: `${prefix}${ACCOUNT_PREFIX}${path}`, handler },
    ]);
  }),
  { method: 'POST', path: `${CONSOLE_API_PREFIX}${END_ALL_PATH}`, handler: console.endAll },
];
