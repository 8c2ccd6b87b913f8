/**
 * Sign-in with the authorization-code flow and PKCE. The access token lives in this module's memory only:
 * never in the URL (the code is removed from it right after the exchange), never in storage, never logged. A
 * reload signs in again (the sign-in's own session makes that one click). Only the PKCE verifier and the state,
 * which are not tokens and are useless without the code, wait in sessionStorage across the sign-in redirect,
 * and are deleted as soon as the code is exchanged.
 */

export interface ConsoleConfig {
  clientId: string;
  authBase: string;
  apiBase: string;
  scope: string;
}

/** Who is signed in, read from the token for the page only: the API checks the token itself. */
export interface Session {
  token: string;
  username: string;
  scopes: Set<string>;
  expiresAt: number;
}

const PENDING = 'call-control-console-sign-in';
let session: Session | undefined;

export const currentSession = (): Session | undefined =>
  session && session.expiresAt > Date.now() ? session : undefined;

export const signOut = (): void => {
  session = undefined;
};

/** The event the page hears when the API refuses the token or it expired: the console shows "Sign in". */
export const SESSION_ENDED = 'call-control-session-ended';

/** Forgets the token and tells the page, which leaves the page it was on. */
export const endSession = (): void => {
  session = undefined;
  window.dispatchEvent(new Event(SESSION_ENDED));
};

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const redirectUri = (): string => `${location.origin}/console/`;
const endpoint = (config: ConsoleConfig, path: string): string =>
  new URL(`${config.authBase}${path}`, location.origin).href;

/** Goes to the sign-in page; it comes back to the console with a code. */
export const startSignIn = async (config: ConsoleConfig): Promise<void> => {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, hash: location.hash }));
  const url = new URL(endpoint(config, '/oauth2/authorize'));
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
};

const decodeClaims = (token: string): Record<string, unknown> => {
  const payload = token.split('.')[1] ?? '';
  const text = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0)))) as Record<
    string,
    unknown
  >;
};

/**
 * Finishes a sign-in when the URL carries a code: checks the state, exchanges the code with the verifier,
 * and takes the code out of the URL and the history. Returns an error message for the page, if any.
 */
export const completeSignIn = async (config: ConsoleConfig): Promise<string | undefined> => {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as {
    verifier: string;
    state: string;
    hash: string;
  } | null;
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', `/console/${pending?.hash ?? ''}`);
  // Anyone can send a link with `?error=…`: without this tab's state, it is not an answer to our request, and
  // its text is never shown (only a standard OAuth error code is, so no sentence can be planted in the page).
  if (!pending || params.get('state') !== pending.state)
    return 'Sign-in failed: the answer did not match the request.';
  if (error)
    return `Sign-in failed (${/^[a-z_]{1,40}$/.test(error) ? error : 'an unknown error'}); sign in again.`;
  const response = await fetch(endpoint(config, '/oauth2/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: code ?? '',
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) return `Sign-in failed (${response.status}); sign in again.`;
  const { access_token: token, expires_in: expiresIn } = (await response.json()) as {
    access_token: string;
    expires_in: number;
  };
  const claims = decodeClaims(token);
  session = {
    token,
    username: String(claims.username ?? claims['cognito:username'] ?? claims.sub ?? ''),
    scopes: new Set(String(claims.scope ?? '').split(' ')),
    expiresAt: Date.now() + expiresIn * 1000,
  };
  return undefined;
};
