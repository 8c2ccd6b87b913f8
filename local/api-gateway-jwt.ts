/**
 * The local API Gateway's JWT authorizer (routes with `auth: 'jwt'`): what API Gateway's HTTP API JWT
 * authorizer checks and what it hands the function.
 */

/**
 * `requestContext.authorizer` of a JWT-authorized HTTP API route: the verified token's claims, each value a
 * string as API Gateway writes them (an array claim becomes `[a b]`), and its scopes.
 */
export interface JwtAuthorizer {
  jwt: { claims: Record<string, string>; scopes: string[] | null };
}

const claimText = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : Array.isArray(value)
      ? `[${value.map(String).join(' ')}]`
      : typeof value === 'object' && value !== null
        ? JSON.stringify(value)
        : String(value);

/**
 * A JWT authorizer's check, as API Gateway makes it: no bearer token or a token that does not verify is 401
 * `Unauthorized`; a verified token without one of the route's scopes (its `scope` claim, space-separated) is
 * 403 `Forbidden`. Otherwise the claims and scopes the handler reads in `requestContext.authorizer.jwt`.
 */
export const checkJwt = async (
  authorization: string | undefined,
  routeScopes: readonly string[] | undefined,
  verify: ((token: string) => Promise<Record<string, unknown>>) | undefined,
): Promise<{ authorizer: JwtAuthorizer } | { refusal: { status: 401 | 403; message: string } }> => {
  const token = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization ?? '')?.[1];
  const unauthorized = { refusal: { status: 401 as const, message: 'Unauthorized' } };
  if (!token || !verify) return unauthorized;
  let claims: Record<string, unknown>;
  try {
    claims = await verify(token);
  } catch {
    return unauthorized;
  }
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  if (routeScopes && routeScopes.length > 0 && !scopes.some((scope) => routeScopes.includes(scope))) {
    return { refusal: { status: 403 as const, message: 'Forbidden' } };
  }
  const flat = Object.fromEntries(Object.entries(claims).map(([name, value]) => [name, claimText(value)]));
  return { authorizer: { jwt: { claims: flat, scopes: scopes.length > 0 ? scopes : null } } };
};
