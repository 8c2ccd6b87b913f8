import { join } from 'node:path';
import { createConsoleAssetsHandler, readConsoleFiles } from '#commons/console/assets';
import { CONSOLE_API_PREFIX, CONSOLE_SCOPES } from '#commons/http/routes';

/** The operator console's static files and settings (`GET /console/…`); see `#commons/console/assets`. */

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
};

/** The deployed function: the console's files sit in `console/` beside this bundle. */
export const handler = createConsoleAssetsHandler(readConsoleFiles(join(import.meta.dirname, 'console')), {
  clientId: required('CONSOLE_CLIENT_ID'),
  authBase: required('CONSOLE_AUTH_BASE'),
  apiBase: CONSOLE_API_PREFIX,
  scope: ['openid', ...Object.values(CONSOLE_SCOPES)].join(' '),
});
