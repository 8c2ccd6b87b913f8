import { describe, expect, it } from 'vitest';
import { validateTransferCallEvent, validateUpdateCallEvent } from '#commons/generated/validators';

/** The precompiled rules a port meets: in a callback URL, in a SWML URL `dest`, in a SIP URI `dest`. */
const SID = '00000000-0000-4000-8000-000000000000';
const pathParameters = { callSid: SID };
const takes = {
  callback: (port: string) =>
    validateUpdateCallEvent({ pathParameters, body: { StatusCallback: `https://example.com:${port}/s` } }),
  swml: (port: string) =>
    validateTransferCallEvent({ pathParameters, body: { dest: `https://example.com:${port}/a` } }),
  sip: (port: string) =>
    validateTransferCallEvent({ pathParameters, body: { dest: `sip:agent@example.com:${port}` } }),
  sipIpv6: (port: string) =>
    validateTransferCallEvent({
      pathParameters,
      body: { dest: `sips:agent@[2001:db8::1]:${port};transport=tls` },
    }),
};

describe('a port, wherever a URL or SIP URI names one', () => {
  it.each(Object.keys(takes) as (keyof typeof takes)[])(
    'is taken in %s exactly from 1 to 65535, decimal, with no leading zero',
    (where) => {
      const taken: number[] = [];
      for (let port = 0; port <= 100_000; port++) if (takes[where](String(port))) taken.push(port);
      expect(taken.length).toBe(65_535);
      expect([taken[0], taken.at(-1)]).toEqual([1, 65_535]);
      for (const port of ['01', '080', '05060', '065535', '1e3', '+80', '٥٠٦٠', '', '655350']) {
        expect(takes[where](port), port).toBe(false);
      }
    },
  );
});
