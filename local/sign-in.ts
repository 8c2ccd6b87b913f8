import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type ConsoleGroup, scopesOfGroups } from '#commons/http/routes';

/**
 * The local stand-in for the stack's sign-in (a Cognito user pool's managed login): an OAuth 2.0
 * authorization-code endpoint with PKCE, a token endpoint and a JWKS, served by the local API Gateway on
 * loopback only. Its access tokens carry what Cognito's do once the stack's pre-token-generation trigger ran
 * (`sub`, `username`, `cognito:groups`, `client_id`, `token_use`, and the scopes of the user's groups), signed
 * with a key made at start, so the local API Gateway's JWT check verifies them as API Gateway verifies
 * Cognito's. Not a security boundary: fixed users and passwords, printed by `npm start`.
 */

/** A local console user. */
export interface LocalUser {
  username: string;
  password: string;
  group: ConsoleGroup;
}

/** The three local users, one per role. */
export const LOCAL_USERS: readonly LocalUser[] = [
  { username: 'viewer', password: 'local-viewer', group: 'viewer' },
  { username: 'operator', password: 'local-operator', group: 'operator' },
  { username: 'admin', password: 'local-admin', group: 'admin' },
];

/** Where the stand-in's endpoints live on the local API Gateway. */
export const LOCAL_SIGN_IN_PREFIX = '/local-auth';
/** The console's OAuth client id, locally. */
export const LOCAL_CONSOLE_CLIENT_ID = 'local-console';
/** Access tokens live an hour, as Cognito's do by default. */
const TOKEN_SECONDS = 3_600;
/** An authorization code is good for one exchange within a minute. */
const CODE_MS = 60_000;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

type Result = APIGatewayProxyStructuredResultV2;

/** Headers of the sign-in page: nothing but itself may run, frame or be posted to. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const json = (statusCode: number, body: unknown): Result => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** OAuth's error answer (RFC 6749 §5.2). */
const oauthError = (error: string, description: string): Result =>
  json(400, { error, error_description: description });

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

const formOf = (event: APIGatewayProxyEventV2): URLSearchParams =>
  new URLSearchParams(
    event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8') : '',
  );

const sameText = (a: string, b: string): boolean => {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
};

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

interface PendingCode {
  user: LocalUser;
  clientId: string;
  redirectUri: string;
  challenge: string;
  expires: number;
}

/** The authorization request's parameters, as the console sends them. */
interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  challenge: string;
}

/** A running sign-in stand-in: its handlers for the local API Gateway and what verifies its tokens. */
export interface LocalSignIn {
  /** Route keys and handlers to serve (no authorization: this is the sign-in). */
  routes: Array<{ routeKey: string; handler: (event: APIGatewayProxyEventV2) => Promise<Result> }>;
  /** The public keys, as the JWKS endpoint serves them. */
  jwks: { keys: JWK[] };
  /** The `iss` of every token: `http://localhost:<port>/local-auth`. */
  issuer(): string;
  /** Signs an access token for a user (tests that need a token without a browser). */
  accessToken(username: string): Promise<string>;
}

/**
 * The authorization request, or why it is refused. The redirect URI must be the console on this very
 * loopback origin: a code never leaves for another host.
 */
const readAuthorize = (
  params: URLSearchParams,
  origin: string,
): { ok: true; request: AuthorizeRequest } | { ok: false; message: string } => {
  if (params.get('response_type') !== 'code') return { ok: false, message: 'response_type must be code' };
  const clientId = params.get('client_id') ?? '';
  if (clientId !== LOCAL_CONSOLE_CLIENT_ID) return { ok: false, message: 'client_id is not known' };
  const redirectUri = params.get('redirect_uri') ?? '';
  let redirect: URL;
  try {
    redirect = new URL(redirectUri);
  } catch {
    return { ok: false, message: 'redirect_uri must be a URL' };
  }
  const gateway = new URL(origin);
  if (
    !LOOPBACK_HOSTS.has(redirect.hostname) ||
    redirect.port !== gateway.port ||
    redirect.protocol !== 'http:' ||
    redirect.pathname !== '/console/' ||
    redirect.search !== '' ||
    redirect.hash !== ''
  ) {
    return { ok: false, message: 'redirect_uri must be this stack’s console (/console/ on loopback)' };
  }
  if (params.get('code_challenge_method') !== 'S256')
    return { ok: false, message: 'code_challenge_method must be S256 (PKCE)' };
  const challenge = params.get('code_challenge') ?? '';
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
    return { ok: false, message: 'code_challenge must be a base64url SHA-256' };
  const state = params.get('state') ?? '';
  if (state.length < 8 || state.length > 256)
    return { ok: false, message: 'state must be 8 to 256 characters' };
  return { ok: true, request: { clientId, redirectUri, state, challenge } };
};

const page = (request: AuthorizeRequest, error?: string): Result => {
  const hidden = Object.entries({
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    state: request.state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
  })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  const body = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in · call control (local)</title>
  <link rel="stylesheet" href="${LOCAL_SIGN_IN_PREFIX}/sign-in.css">
</head>
<body>
  <main>
    <h1>Sign in to call control</h1>
    <p>Local stand-in for the stack’s sign-in. Users: viewer, operator, admin (password local-&lt;user&gt;).</p>
    ${error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : ''}
    <form method="post" action="${LOCAL_SIGN_IN_PREFIX}/oauth2/authorize">
    ${hidden}
      <label for="username">Username</label>
      <input id="username" name="username" autocomplete="username" required autofocus>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
    </form>
  </main>
</body>
</html>
`;
  return { statusCode: 200, headers: PAGE_HEADERS, body };
};

/**
 * Makes the stand-in with a fresh ES256 key. `origin()` is the local API Gateway's origin
 * (`http://localhost:<port>`) once it listens: the tokens' issuer.
 */
export const createLocalSignIn = async (origin: () => string): Promise<LocalSignIn> => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const codes = new Map<string, PendingCode>();
  // A stable subject per user for the life of the stand-in, as a user pool keeps one per user.
  const subjects = new Map(LOCAL_USERS.map((user) => [user.username, randomUUID()]));
  const issuer = (): string => `${origin()}${LOCAL_SIGN_IN_PREFIX}`;

  const originOf = (event: APIGatewayProxyEventV2): string => `http://${event.headers.host ?? 'localhost'}`;

  const sign = (user: LocalUser, clientId: string): Promise<string> =>
    new SignJWT({
      username: user.username,
      'cognito:groups': [user.group],
      client_id: clientId,
      token_use: 'access',
      scope: ['openid', ...scopesOfGroups([user.group])].join(' '),
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setSubject(subjects.get(user.username) ?? user.username)
      .setIssuer(issuer())
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${TOKEN_SECONDS}s`)
      .sign(privateKey);

  const authorizePage = async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const read = readAuthorize(new URLSearchParams(event.rawQueryString), originOf(event));
    return read.ok ? page(read.request) : oauthError('invalid_request', read.message);
  };

  const authorizeSubmit = async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const form = formOf(event);
    const read = readAuthorize(form, originOf(event));
    if (!read.ok) return oauthError('invalid_request', read.message);
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    // Every user's password is compared, so the time taken does not tell which usernames exist.
    let user: LocalUser | undefined;
    for (const candidate of LOCAL_USERS) {
      const match = sameText(candidate.username, username) && sameText(candidate.password, password);
      if (match) user = candidate;
    }
    if (!user) return page(read.request, 'Incorrect username or password.');
    const code = base64url(randomBytes(32));
    codes.set(code, {
      user,
      clientId: read.request.clientId,
      redirectUri: read.request.redirectUri,
      challenge: read.request.challenge,
      expires: Date.now() + CODE_MS,
    });
    const location = new URL(read.request.redirectUri);
    location.searchParams.set('code', code);
    location.searchParams.set('state', read.request.state);
    return { statusCode: 302, headers: { location: location.href, 'cache-control': 'no-store' }, body: '' };
  };

  const token = async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const form = formOf(event);
    if (form.get('grant_type') !== 'authorization_code')
      return oauthError('unsupported_grant_type', 'grant_type must be authorization_code');
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    // One exchange per code, whatever its outcome, as RFC 6749 §4.1.2 asks.
    codes.delete(code);
    if (!pending || pending.expires < Date.now())
      return oauthError('invalid_grant', 'the code is unknown, used or expired');
    if (form.get('client_id') !== pending.clientId || form.get('redirect_uri') !== pending.redirectUri)
      return oauthError('invalid_grant', 'client_id and redirect_uri must be those of the authorization');
    const verifier = form.get('code_verifier') ?? '';
    const computed = base64url(createHash('sha256').update(verifier).digest());
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || !sameText(computed, pending.challenge))
      return oauthError('invalid_grant', 'code_verifier does not match the code_challenge');
    const accessToken = await sign(pending.user, pending.clientId);
    return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_SECONDS });
  };

  const stylesheet = async (): Promise<Result> => ({
    statusCode: 200,
    headers: { 'content-type': 'text/css; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body: SIGN_IN_CSS,
  });

  return {
    jwks,
    issuer,
    accessToken: (username) => {
      const user = LOCAL_USERS.find((candidate) => candidate.username === username);
      if (!user) throw new Error(`no local user ${username}`);
      return sign(user, LOCAL_CONSOLE_CLIENT_ID);
    },
    routes: [
      { routeKey: `GET ${LOCAL_SIGN_IN_PREFIX}/oauth2/authorize`, handler: authorizePage },
      { routeKey: `POST ${LOCAL_SIGN_IN_PREFIX}/oauth2/authorize`, handler: authorizeSubmit },
      { routeKey: `POST ${LOCAL_SIGN_IN_PREFIX}/oauth2/token`, handler: token },
      { routeKey: `GET ${LOCAL_SIGN_IN_PREFIX}/.well-known/jwks.json`, handler: async () => json(200, jwks) },
      { routeKey: `GET ${LOCAL_SIGN_IN_PREFIX}/sign-in.css`, handler: stylesheet },
    ],
  };
};

const SIGN_IN_CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}
main{max-width:22rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}p{color:#444;font-size:.9rem}
label{display:block;margin-top:1rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #6b7280;border-radius:4px}
button{margin-top:1.5rem;width:100%;padding:.6rem;font:inherit;font-weight:600;color:#fff;background:#0b5cad;border:0;border-radius:4px;cursor:pointer}
.error{color:#a4161a;font-weight:600}`;
