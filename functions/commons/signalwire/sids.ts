import { RequestValidationError } from '../errors.ts';

/** A SignalWire SID (a call's or a project's): a UUID in either case. The one pattern every check uses. */
export const SID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Whether `value` is a SignalWire SID (see {@link SID_PATTERN}). */
export const isSid = (value: string): boolean => SID.test(value);
const SID = new RegExp(SID_PATTERN);

/**
 * The one form of a SignalWire SID (a call's or a project's) that every path uses: SIDs are UUIDs, which
 * SignalWire writes in lower case. HTTP, events, cleanup, the credentials and the idempotency keys all go
 * through here, so an upper-case SID is the same call or project wherever it comes in.
 */
export const canonicalSid = (sid: string): string => sid.toLowerCase();

/**
 * The account segment exactly as the caller wrote it in the path (`rawPath`, before any decoding), or
 * undefined when no literal `/accounts/{segment}/calls` is there (the word itself percent-encoded, say).
 */
const rawAccountSegment = (rawPath: string): string | undefined => {
  const segments = rawPath.split('/');
  for (let index = segments.length - 3; index >= 0; index--) {
    if (segments[index] === 'accounts' && segments[index + 2] === 'calls') return segments[index + 1];
  }
  return undefined;
};

/**
 * An account SID in an HTTP path must already be canonical, written out as is: IAM compares resource ARNs
 * case-sensitively and on the path as sent, so a policy scoped to `/accounts/{sid}/…` must be bypassed
 * neither by writing the SID in capitals nor by percent-encoding any of it (`%37b1a…`), which API Gateway
 * decodes into the same path parameter. Both are refused before the function picks the project's
 * credentials; the refusal names the canonical form.
 */
export const requireCanonicalAccountSidInPath = (
  accountSid: string | undefined,
  rawPath: string | undefined,
): void => {
  if (accountSid === undefined) return;
  const canonical = canonicalSid(accountSid);
  if (accountSid !== canonical) {
    throw new RequestValidationError([
      {
        field: 'accountSid',
        rule: 'canonical',
        message: `accountSid in the path must be in lower case: /accounts/${canonical}/…`,
      },
    ]);
  }
  if (rawAccountSegment(rawPath ?? '') !== accountSid) {
    throw new RequestValidationError([
      {
        field: 'accountSid',
        rule: 'canonical',
        message: `accountSid in the path must be written out, not percent-encoded: /accounts/${canonical}/…`,
      },
    ]);
  }
};
