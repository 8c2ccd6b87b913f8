import type {
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';

/**
 * Serves the operator console's static files (`GET /console/…` on the HTTP API) with the headers that keep it
 * safe: a strict Content-Security-Policy (scripts and styles from this origin only, no inline script, fetches
 * to this origin and the sign-in's only, no framing), `nosniff`, no referrer (the authorization code is in the
 * URL once), and `config.json`, the console's settings from the stack.
 */

/** What the console reads from `config.json`. */
export interface ConsoleConfig {
  /** The OAuth client id of the console's app client. */
  clientId: string;
  /** Base URL of the sign-in's OAuth endpoints (`/oauth2/authorize`, `/oauth2/token`, `/logout`). */
  authBase: string;
  /** Where the console's API routes are, on this origin. */
  apiBase: string;
  /** The scopes to ask for. */
  scope: string;
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  svg: 'image/svg+xml',
};

/** The origin a CSP must allow for the token exchange, when the sign-in lives on another origin. */
const authOrigin = (authBase: string): string | undefined => {
  try {
    return new URL(authBase).origin;
  } catch {
    return undefined; // a path on this origin
  }
};

/** The console's Content-Security-Policy. */
export const consoleCsp = (authBase: string): string =>
  [
    "default-src 'self'",
    `connect-src 'self'${authOrigin(authBase) ? ` ${authOrigin(authBase)}` : ''}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

/** Builds the handler over the console's files (path relative to `/console/` → contents). */
export const createConsoleAssetsHandler = (files: ReadonlyMap<string, Uint8Array>, config: ConsoleConfig) => {
  const headers = {
    'content-security-policy': consoleCsp(config.authBase),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'strict-transport-security': 'max-age=31536000',
  };
  const configJson = Buffer.from(JSON.stringify(config));
  return async (event: HttpEvent): Promise<HttpResult> => {
    const path = event.rawPath ?? '';
    if (path === '/console') {
      return { statusCode: 301, headers: { ...headers, location: '/console/' }, body: '' };
    }
    const name = path.startsWith('/console/') ? path.slice('/console/'.length) || 'index.html' : '';
    const body = name === 'config.json' ? configJson : files.get(name);
    const type = CONTENT_TYPES[name.split('.').pop() ?? ''];
    if (!body || !type) {
      return {
        statusCode: 404,
        headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' },
        body: 'Not found',
      };
    }
    return {
      statusCode: 200,
      headers: {
        ...headers,
        'content-type': type,
        // The page and its settings change with each deployment; the script and styles are named per build.
        'cache-control': name.endsWith('.html') || name === 'config.json' ? 'no-store' : 'max-age=300',
      },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    };
  };
};
