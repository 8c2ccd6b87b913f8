import { CALL_APIS, type CallApi } from '#commons/calling/vocabulary';
import { UsageError } from './errors.ts';
import { echo } from './safe-text.ts';

/**
 * `--api`: the API that owns the calls a command acts on. Naming it skips the call service's resolution (a
 * Compatibility read, then the voice log); a list narrows to that kind.
 */
export const API_OPTION = {
  type: 'string',
  value: 'api',
  caseless: true,
  description:
    'compatibility or calling (native: SWML, RELAY, AI agents): the API that owns the call, so it is not looked up. [default: found per call]',
} as const;

/** The same option for `calls list` and `end-all`, where it narrows to one kind. */
export const API_FILTER_OPTION = {
  type: 'string',
  value: 'api',
  caseless: true,
  description:
    'compatibility or calling: only calls of that kind (KIND compat or native). [default: both kinds]',
} as const;

/** `--api` as typed, checked: absent stays absent; anything but the two APIs is a usage error naming it. */
export const checkApi = (value: string | undefined): CallApi | undefined => {
  if (value === undefined) return undefined;
  const api = value.trim().toLowerCase();
  if ((CALL_APIS as readonly string[]).includes(api)) return api as CallApi;
  throw new UsageError(
    `--api must be compatibility or calling, got "${echo(value)}"`,
    'compatibility: calls of the Compatibility (cXML/LaML) API; calling: native calls (SWML, RELAY, AI agents). Leave it out to have each call looked up.',
  );
};
