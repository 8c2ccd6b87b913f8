import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerCaseHeaders } from '../../functions/commons/http/middlewares.ts';

type Headers = Record<string, unknown>;
interface Shaped {
  headers?: Headers;
  multiValueHeaders?: Headers;
}

/** Runs a middleware's `before` on a copy of `event`, as the chain runs it, and gives back the event. */
const through = (before: (request: never) => unknown, event: Shaped): Shaped => {
  const request = { event: structuredClone(event) };
  before(request as never);
  return request.event;
};
const middys = (event: Shaped) =>
  through(httpHeaderNormalizer().before as (request: never) => unknown, event);
const ours = (event: Shaped) => through(lowerCaseHeaders.before as (request: never) => unknown, event);

/** Own names and values in order: what a lookup by name and an iteration read. */
const entries = (headers: Headers | undefined) => (headers ? Object.entries(headers) : headers);

describe('lowerCaseHeaders (the header names of the operator chain, in lower case)', () => {
  it('keeps headers API Gateway sent in lower case as they are: no copy', () => {
    const headers = { host: 'api.example.com', 'content-type': 'application/json', 'x-amz-date': '1' };
    const event = { headers } as unknown as APIGatewayProxyEventV2;
    lowerCaseHeaders.before?.({ event } as never);
    expect(event.headers).toBe(headers);
    expect(entries(event.headers)).toEqual(entries(middys({ headers }).headers));
  });

  it('lower-cases names in any other case; of two names one apart by case, the later value wins', () => {
    const event = {
      headers: { Host: 'h', 'Content-Type': 'text/plain', 'content-type': 'application/json', 'X-A': '1' },
      multiValueHeaders: { 'CONTENT-ENCODING': ['gzip'], 'content-encoding': ['identity', 'br'] },
    };
    const answer = ours(event);
    expect(answer.headers?.['content-type']).toBe('application/json');
    expect(answer.headers?.['Content-Type']).toBeUndefined();
    expect(answer.multiValueHeaders?.['content-encoding']).toEqual(['identity', 'br']);
    expect(entries(answer.headers)).toEqual(entries(middys(event).headers));
    expect(entries(answer.multiValueHeaders)).toEqual(entries(middys(event).multiValueHeaders));
    // A copy, as middy's: without a prototype, so a name such as `constructor` reads only a header.
    expect(Object.getPrototypeOf(answer.headers)).toBeNull();
    expect(event.headers['Content-Type']).toBe('text/plain');
  });

  it('leaves an event without headers without them', () => {
    expect(ours({})).toEqual(middys({}));
    expect(ours({ headers: undefined })).toEqual({ headers: undefined });
  });

  it('reads every header name and value as @middy/http-header-normalizer does, in every case', () => {
    const name = fc.oneof(
      fc.constantFrom('content-type', 'Content-Type', 'CONTENT-TYPE', 'content-encoding', 'Content-Encoding'),
      // Names an object inherits, and names whose lower case is another length or an ASCII one (Kelvin sign).
      fc.constantFrom('__proto__', '__PROTO__', 'constructor', 'Constructor', 'toString', 'hasOwnProperty'),
      fc.constantFrom('\u212a', 'k', '\u0130', 'i\u0307', '\u00df', '\u03a3'),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/),
    );
    const headers = fc.dictionary(name, fc.string({ maxLength: 8 }), { maxKeys: 8 });
    const multi = fc.dictionary(name, fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), {
      maxKeys: 5,
    });
    fc.assert(
      fc.property(fc.option(headers, { nil: undefined }), fc.option(multi, { nil: undefined }), (h, m) => {
        const event = { ...(h ? { headers: h } : {}), ...(m ? { multiValueHeaders: m } : {}) };
        const answer = ours(event);
        const expected = middys(event);
        expect(entries(answer.headers)).toEqual(entries(expected.headers));
        expect(entries(answer.multiValueHeaders)).toEqual(entries(expected.multiValueHeaders));
        // What the chain reads by name (requestGuard, the body parsers): the same value, or none in both.
        for (const read of ['content-type', 'content-encoding', 'Content-Type']) {
          expect(answer.headers?.[read]).toBe(expected.headers?.[read]);
        }
        for (const key of Object.keys(answer.headers ?? {})) expect(key).toBe(key.toLowerCase());
      }),
      { numRuns: 500 },
    );
  });
});
