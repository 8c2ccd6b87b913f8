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
 * An account SID in an HTTP path must already be canonical: IAM compares resource ARNs case-sensitively, so a
 * policy scoped to `/accounts/{sid}/…` must not be bypassed by writing the SID in capitals. The refusal names
 * the canonical form.
 */
export const requireCanonicalAccountSidInPath = (accountSid: string | undefined): void => {
  if (accountSid === undefined || accountSid === canonicalSid(accountSid)) return;
  throw new RequestValidationError([
    {
      field: 'accountSid',
      rule: 'canonical',
      message: `accountSid in the path must be in lower case: /accounts/${canonicalSid(accountSid)}/…`,
    },
  ]);
};
