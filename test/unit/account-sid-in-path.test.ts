import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '#commons/errors';
import { requireCanonicalAccountSidInPath } from '#commons/signalwire/sids';

const SID = '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d';

/** Issue 17, finding 12: the path parameter arrives decoded; IAM saw the path as sent. */
describe('requireCanonicalAccountSidInPath', () => {
  it('accepts the canonical SID written out, also behind an API mapping prefix', () => {
    expect(() => requireCanonicalAccountSidInPath(SID, `/accounts/${SID}/calls`)).not.toThrow();
    expect(() =>
      requireCanonicalAccountSidInPath(SID, `/ops/accounts/${SID}/calls/x/terminate`),
    ).not.toThrow();
    expect(() => requireCanonicalAccountSidInPath(undefined, '/calls')).not.toThrow();
  });

  it.each([
    ['a percent-encoded character of the SID', `/accounts/%37${SID.slice(1)}/calls`],
    ['a percent-encoded dash', `/accounts/${SID.replace('-', '%2D')}/calls`],
    ['the word accounts percent-encoded', `/%61ccounts/${SID}/calls`],
    ['no raw path at all', undefined],
  ])('refuses %s, naming accountSid', (_case, rawPath) => {
    let refused: unknown;
    try {
      requireCanonicalAccountSidInPath(SID, rawPath);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RequestValidationError);
    expect((refused as RequestValidationError).violations).toEqual([
      expect.objectContaining({ field: 'accountSid', rule: 'canonical' }),
    ]);
  });

  it('still refuses an upper-case SID, naming the lower-case form', () => {
    expect(() =>
      requireCanonicalAccountSidInPath(SID.toUpperCase(), `/accounts/${SID.toUpperCase()}/calls`),
    ).toThrow(`/accounts/${SID}/`);
  });
});
