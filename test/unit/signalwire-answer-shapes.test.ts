import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ANSWER_DEPTH, unusableCallReason, unusablePageReason } from '#commons/signalwire/answers';
import { formBody } from '#commons/signalwire/client';
import { CALL_UPDATE_FIELDS, type CallUpdate } from '#commons/signalwire/types';
import { sampleCall } from '../support/fixtures.ts';

/**
 * The answer checks' depth walk (answers.ts `nestsDeeper`) at its bounds, and the client's form body
 * (client.ts `formBody`) against `URLSearchParams`, which it writes without on an end's plain values.
 */

/** `levels` nested objects (`{"x":{"x":…}}`), or arrays when `arrays`, the innermost empty. */
const nested = (levels: number, arrays = false): unknown => {
  let value: unknown = arrays ? [] : {};
  for (let level = 1; level < levels; level++) value = arrays ? [value] : { x: value };
  return value;
};

describe('a 2xx answer nested to the bound', () => {
  // The Call itself is one level: a field holding `n` levels makes a Call of n + 1.
  it.each([false, true])('a Call of exactly 16 levels is usable, one of 17 is not (arrays: %s)', (arrays) => {
    const call = (levels: number) => ({ ...sampleCall(), extra: nested(levels - 1, arrays) });
    expect(unusableCallReason(call(MAX_ANSWER_DEPTH))).toBeUndefined();
    expect(unusableCallReason(call(MAX_ANSWER_DEPTH + 1))).toBe('nests deeper than 16 levels');
  });

  it('the depth is the deepest branch, wherever it is among the fields', () => {
    const call = { ...sampleCall(), a: nested(3), b: [1, 'x', null, nested(MAX_ANSWER_DEPTH)], z: {} };
    expect(unusableCallReason(call)).toBe('nests deeper than 16 levels');
    expect(unusableCallReason({ ...call, b: [1, 'x', null, nested(MAX_ANSWER_DEPTH - 2)] })).toBeUndefined();
  });

  it('a hostile depth (100,000 levels) is refused without overflowing the stack', () => {
    const text = `{"sid":"${sampleCall().sid}","status":"queued","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(unusableCallReason(JSON.parse(text))).toBe('nests deeper than 16 levels');
    const page = JSON.parse(
      `{"calls":[],"next_page_uri":null,"x":${'{"y":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
    );
    expect(unusablePageReason(page)).toBe('nests deeper than 18 levels');
  });

  it('a page holds Calls of 16 levels, not of 17, nor any other field deeper than 18', () => {
    const page = (callLevels: number) => ({
      calls: [sampleCall(), { ...sampleCall(), extra: nested(callLevels - 1) }],
      next_page_uri: null,
    });
    expect(unusablePageReason(page(MAX_ANSWER_DEPTH))).toBeUndefined();
    expect(unusablePageReason(page(MAX_ANSWER_DEPTH + 1))).toBe('nests deeper than 18 levels');
    const other = (levels: number) => ({ calls: [], next_page_uri: null, meta: nested(levels - 1) });
    expect(unusablePageReason(other(MAX_ANSWER_DEPTH + 2))).toBeUndefined();
    expect(unusablePageReason(other(MAX_ANSWER_DEPTH + 3))).toBe('nests deeper than 18 levels');
  });

  it('an entry that is not a Call is named before any depth', () => {
    const page = {
      calls: [{ ...sampleCall(), extra: nested(40) }, { sid: 'CA1' }],
      next_page_uri: null,
    };
    expect(unusablePageReason(page)).toBe('lists an entry that is not a Call (no string "sid" or "status")');
  });
});

describe('the form body of an update', () => {
  const expected = (update: CallUpdate): string => {
    const form = new URLSearchParams();
    for (const field of CALL_UPDATE_FIELDS)
      if (update[field] !== undefined) form.append(field, update[field]);
    return form.toString();
  };

  it('an end is written as it is; nothing given is an empty body', () => {
    expect(formBody({ Status: 'completed' })).toBe('Status=completed');
    expect(formBody({})).toBe('');
    expect(formBody({ StatusCallbackMethod: 'GET', Status: 'canceled', Method: 'POST' })).toBe(
      'Method=POST&Status=canceled&StatusCallbackMethod=GET',
    );
  });

  it('escapes what URLSearchParams escapes, in the same field order', () => {
    expect(formBody({ Url: 'https://example.com/a b.xml?x=1&y=~', Method: 'GET' })).toBe(
      'Url=https%3A%2F%2Fexample.com%2Fa+b.xml%3Fx%3D1%26y%3D%7E&Method=GET',
    );
  });

  it('matches URLSearchParams for any fields and values', () => {
    const value = fc.oneof(
      fc.stringMatching(/^[\w*.-]*$/),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', '*', '~', ' ', '+', '%', '&=', 'completed', '\ud800'),
    );
    const update = fc.record(
      Object.fromEntries(CALL_UPDATE_FIELDS.map((field) => [field, value])) as Record<
        (typeof CALL_UPDATE_FIELDS)[number],
        fc.Arbitrary<string>
      >,
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(update, (given) => {
        expect(formBody(given as CallUpdate)).toBe(expected(given as CallUpdate));
      }),
      { numRuns: 500, seed: 20_261_207 },
    );
  });
});
