import { describe, expect, it } from 'vitest';
import {
  cutUpstreamText,
  MAX_ANSWER_DEPTH,
  MAX_ERROR_TEXT_CHARS,
  MAX_RETRY_AFTER_SECONDS,
  parseErrorBody,
  parseRetryAfter,
  scrubCredentials,
  unusableCallReason,
  unusableNativeReason,
  unusablePageReason,
} from '#commons/signalwire/answers';

/**
 * What SignalWire (or a gateway in front of it) answered, read before anything else sees it: `Retry-After`, the
 * error body's fields cut and scrubbed of credentials, and whether a 2xx body is a Call or a page of Calls that
 * can be used and serialised.
 */

const NOW = Date.parse('Fri, 27 Nov 2026 14:00:00 GMT');
const SID = 'a3b2c1d0-1234-4abc-9def-0123456789ab';
const call = (fields: Record<string, unknown> = {}) => ({ sid: SID, status: 'in-progress', ...fields });
/** An object `levels` deep counting itself (`{}` is 1 level, `{ a: {} }` 2). */
const nested = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) value = { inner: value };
  return value;
};
/** An object `levels` deep counting itself whose deepest object holds `leaf` (a value, not a level). */
const holding = (levels: number, leaf: unknown): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf };
  for (let level = 1; level < levels; level++) value = { inner: value };
  return value;
};

describe('Retry-After', () => {
  it('reads delay-seconds and an HTTP date with blanks around them', () => {
    expect(parseRetryAfter(' 7 ', NOW)).toBe(7);
    expect(parseRetryAfter(' Fri, 27 Nov 2026 14:00:03 GMT\t', NOW)).toBe(3);
  });

  it('is no Retry-After for a date of the right shape that names no day (a month that does not exist)', () => {
    expect(parseRetryAfter('Fri, 27 Abc 2026 14:00:03 GMT', NOW)).toBeUndefined();
    expect(parseRetryAfter('7200', NOW)).toBe(MAX_RETRY_AFTER_SECONDS);
  });
});

describe('upstream text', () => {
  it('keeps text without a credential as it is, when no secret is given', () => {
    for (const text of [
      'Stryker was here',
      'Call not found',
      'the quick brown fox jumps over the lazy dog',
    ]) {
      expect(scrubCredentials(text)).toBe(text);
      expect(cutUpstreamText(text)).toBe(text);
      expect(parseErrorBody(404, JSON.stringify({ message: text, more_info: text }))).toEqual({
        code: undefined,
        message: text,
        moreInfo: text,
      });
    }
  });

  it("removes the client's own secrets of 8 characters and more; a shorter one is too common a text to remove", () => {
    expect(scrubCredentials('user abcdefgh said abcdefg', ['abcdefgh', 'abcdefg'])).toBe(
      'user [redacted] said abcdefg',
    );
    expect(scrubCredentials('code 1234567 failed', ['1234567'])).toBe('code 1234567 failed');
  });

  it(`keeps a text of exactly ${MAX_ERROR_TEXT_CHARS} characters whole, and cuts one longer`, () => {
    const exact = 'a'.repeat(MAX_ERROR_TEXT_CHARS);
    expect(cutUpstreamText(exact)).toBe(exact);
    expect(cutUpstreamText(`${exact}b`)).toBe(`${'a'.repeat(MAX_ERROR_TEXT_CHARS - 1)}…`);
  });
});

describe('error bodies', () => {
  it('keeps a code given as a number or as digits, and no code of another type', () => {
    const codeOf = (code: unknown) => parseErrorBody(400, JSON.stringify({ code, message: 'm' })).code;
    expect(codeOf(21220)).toBe(21220);
    expect(codeOf('21220')).toBe(21220);
    expect(codeOf(true)).toBeUndefined();
    expect(codeOf([20404])).toBeUndefined();
    expect(codeOf({ value: 1 })).toBeUndefined();
    expect(codeOf('invalid_parameter')).toBeUndefined();
  });
});

describe('a 2xx body as a Call', () => {
  it('names what a body that is no object is', () => {
    expect(unusableCallReason(42)).toBe('is a number, not a Call');
    expect(unusableCallReason('ok')).toBe('is a string, not a Call');
    expect(unusableCallReason(true)).toBe('is a boolean, not a Call');
    expect(unusableCallReason(null)).toBe('is null, not a Call');
    expect(unusableCallReason([call()])).toBe('is an array, not a Call');
  });

  it('is the call asked for in any case of its SID, and another call otherwise', () => {
    expect(unusableCallReason(call())).toBeUndefined();
    expect(unusableCallReason(call(), SID)).toBeUndefined();
    expect(unusableCallReason(call(), SID.toUpperCase())).toBeUndefined();
    expect(unusableCallReason(call({ sid: SID.toUpperCase() }), SID)).toBeUndefined();
    expect(unusableCallReason(call(), 'b3b2c1d0-1234-4abc-9def-0123456789ab')).toBe(
      'is another call, not the one asked for',
    );
  });

  it(`is usable nested ${MAX_ANSWER_DEPTH} levels deep, and not one level deeper`, () => {
    expect(unusableCallReason(call({ extra: nested(MAX_ANSWER_DEPTH - 1) }))).toBeUndefined();
    expect(unusableCallReason(call({ extra: nested(MAX_ANSWER_DEPTH) }))).toBe(
      `nests deeper than ${MAX_ANSWER_DEPTH} levels`,
    );
  });

  it('counts a null at the deepest level as a value, like a string or a number, not as one level more', () => {
    for (const leaf of [null, 'text', 7, false])
      expect(unusableCallReason(call({ extra: holding(MAX_ANSWER_DEPTH - 1, leaf) })), String(leaf)).toBe(
        undefined,
      );
  });
});

describe('a 2xx body as a page of List Calls', () => {
  it('is a page of calls with a next_page_uri that is a string, null or absent', () => {
    expect(unusablePageReason({ calls: [call()], next_page_uri: null })).toBeUndefined();
    expect(unusablePageReason({ calls: [call()], next_page_uri: '/Calls.json?Page=1' })).toBeUndefined();
    expect(unusablePageReason({ calls: [] })).toBeUndefined();
  });

  it('is no page of calls when it is no object or its calls are no array', () => {
    for (const body of [null, 'calls', [call()], {}, { calls: {} }, { calls: 'none' }])
      expect(unusablePageReason(body), JSON.stringify(body)).toBe('is not a page of calls');
  });

  it('names a next_page_uri that is not a string', () => {
    for (const next_page_uri of [2, false, {}])
      expect(unusablePageReason({ calls: [], next_page_uri })).toBe(
        'has a next_page_uri that is not a string',
      );
  });

  it('names an entry that is no Call: no object, or without a string sid or status', () => {
    const reason = 'lists an entry that is not a Call (no string "sid" or "status")';
    for (const entry of [null, 'CA1', { status: 'queued' }, { sid: SID }, { sid: 1, status: 'queued' }])
      expect(unusablePageReason({ calls: [call(), entry] }), JSON.stringify(entry)).toBe(reason);
  });

  // The page is a level, its `calls` array another: a Call inside is 2 levels below the page.
  const page = (levels: number) => ({ calls: [call({ extra: nested(levels) })], next_page_uri: null });

  it(`holds Calls nested up to ${MAX_ANSWER_DEPTH} levels`, () => {
    expect(unusablePageReason(page(MAX_ANSWER_DEPTH - 1))).toBeUndefined();
  });

  // depthOf once stopped at MAX_ANSWER_DEPTH + 1, below the page's bound, so a page of any depth was accepted.
  it(`refuses a page whose Calls nest deeper than ${MAX_ANSWER_DEPTH} levels`, () => {
    expect(unusablePageReason(page(MAX_ANSWER_DEPTH))).toBe(
      `nests deeper than ${MAX_ANSWER_DEPTH + 2} levels`,
    );
    expect(unusablePageReason({ calls: [], extra: nested(1000) })).toBe(
      `nests deeper than ${MAX_ANSWER_DEPTH + 2} levels`,
    );
  });
});

describe("a 2xx body of the Calling API or the voice logs (its shape is the native client's to check)", () => {
  it(`takes a call nested ${MAX_ANSWER_DEPTH} levels deep, and refuses one level deeper`, () => {
    expect(unusableNativeReason(nested(MAX_ANSWER_DEPTH), 'call')).toBeUndefined();
    expect(unusableNativeReason(holding(MAX_ANSWER_DEPTH, null), 'call')).toBeUndefined();
    expect(unusableNativeReason(nested(MAX_ANSWER_DEPTH + 1), 'call')).toBe(
      `nests deeper than ${MAX_ANSWER_DEPTH} levels`,
    );
  });

  it(`takes a list as deep as a page of Calls (${MAX_ANSWER_DEPTH + 2} levels), and refuses one level deeper`, () => {
    expect(unusableNativeReason(nested(MAX_ANSWER_DEPTH + 2), 'list')).toBeUndefined();
    expect(unusableNativeReason({ data: [nested(MAX_ANSWER_DEPTH)] }, 'list')).toBeUndefined();
    expect(unusableNativeReason(nested(MAX_ANSWER_DEPTH + 3), 'list')).toBe(
      `nests deeper than ${MAX_ANSWER_DEPTH + 2} levels`,
    );
    expect(unusableNativeReason({ data: [nested(MAX_ANSWER_DEPTH + 1)] }, 'list')).toBe(
      `nests deeper than ${MAX_ANSWER_DEPTH + 2} levels`,
    );
  });

  it('refuses nothing of a body that is no object or array: its shape is not checked here', () => {
    for (const body of [null, 'text', 3, true]) {
      expect(unusableNativeReason(body, 'call'), String(body)).toBeUndefined();
      expect(unusableNativeReason(body, 'list'), String(body)).toBeUndefined();
    }
  });
});
