import '#commons/platform/bundle-prelude';
import { createConsoleAssetsHandler } from '#commons/console/assets';
import { CONSOLE_API_PREFIX, CONSOLE_SCOPES } from '#commons/http/routes';

/** The operator console's static files and settings (`GET /console/…`); see `#commons/console/assets`. */

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
};

/** The console's files, `{ "<name>": "<base64>" }`: a constant the bundler defines (infra/function-bundles.ts). */
declare const CONSOLE_FILES: string;

const files = new Map(
  Object.entries(JSON.parse(CONSOLE_FILES) as Record<string, string>).map(([name, base64]) => [
    name,
    Buffer.from(base64, 'base64'),
  ]),
);

export const handler = createConsoleAssetsHandler(files, {
  clientId: required('CONSOLE_CLIENT_ID'),
  authBase: required('CONSOLE_AUTH_BASE'),
  apiBase: CONSOLE_API_PREFIX,
  scope: ['openid', ...Object.values(CONSOLE_SCOPES)].join(' '),
});
