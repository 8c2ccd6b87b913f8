import { describe, expect, it } from 'vitest';
import { callUpdateSchema } from '#commons/calls/call-update-schema';
import { parseCleanupEvent } from '#commons/cleanup/policy';
import { describeError, RequestValidationError } from '#commons/errors';
import { parseFilterDate, parseSignalWireDate, toSignalWireDate } from '#commons/signalwire/dates';
import { toSignalWireFilter } from '#commons/signalwire/list-query-params';
import type { CallUpdate } from '#commons/signalwire/types';
import { callUpdateRequestViolations } from '#commons/update-requests/validate-request';
import { uri } from '#commons/validation/formats';
import { urlProblem } from '#commons/validation/http-url';
import { fieldLabel, keyViolations, violationsFromAjv } from '#commons/validation/violations';
import { checkUpdate } from '../../cli/core/validate.ts';

describe('refusals stay bounded', () => {
  it('list the first 10 violations, count the rest, and cut names and messages', () => {
    const violations = Array.from({ length: 25 }, (_, i) => ({
      field: `${'f'.repeat(500)}${i}`,
      rule: 'unknown-field',
      message: 'm'.repeat(5000),
    }));

    const described = describeError(new RequestValidationError(violations));

    expect(described.violations).toHaveLength(10);
    expect(described.moreViolations).toBe(15);
    for (const violation of described.violations ?? []) {
      expect([...violation.field]).toHaveLength(64);
      expect([...violation.message]).toHaveLength(300);
    }
    expect(described.message.length).toBeLessThan(400);
  });

  it('never name an empty field', () => {
    const error = new RequestValidationError([{ field: '', rule: 'x', message: 'y' }]);

    expect(error.violations[0]?.field).toBe('""');
    expect(error.moreViolations).toBe(0);
    expect(describeError(error)).not.toHaveProperty('moreViolations');
  });
});

describe('field names in refusals', () => {
  it.each([
    ['', '""'],
    ['Url', 'Url'],
    ['x'.repeat(64), 'x'.repeat(64)],
    ['x'.repeat(65), `${'x'.repeat(63)}…`],
  ])('%j is shown as %j', (name, label) => {
    expect(fieldLabel(name)).toBe(label);
  });

  it('finds reserved and empty names at any depth, as own fields a JSON parser makes', () => {
    const parsed = JSON.parse(
      '{"a":{"__proto__":{"x":1}},"":1,"b":[{"prototype":2}],"constructor":3}',
    ) as unknown;

    expect(keyViolations(parsed).map(({ field, rule }) => [field, rule])).toEqual([
      ['__proto__', 'reserved'],
      ['""', 'empty-name'],
      ['prototype', 'reserved'],
      ['constructor', 'reserved'],
    ]);
  });
});

describe('date filters', () => {
  it.each([
    ['2026-11-27T14:00:00Z', '2026-11-27T14:00:00.000Z'],
    ['2026-11-27T15:30:00+01:30', '2026-11-27T14:00:00.000Z'],
    ['2026-11-28T04:00:00+1400', '2026-11-27T14:00:00.000Z'],
    ['2026-11-27T02:00:00-12:00', '2026-11-27T14:00:00.000Z'],
    ['2026-11-27 14:00', '2026-11-27T14:00:00.000Z'],
    ['2026-11-27', '2026-11-27T00:00:00.000Z'],
    ['2026-11-27T14:00:00.250Z', '2026-11-27T14:00:00.250Z'],
    ['Fri, 27 Nov 2026 09:00:00 -0500', '2026-11-27T14:00:00.000Z'],
    ['27 Nov 2026 14:00 GMT', '2026-11-27T14:00:00.000Z'],
  ])('read %s as %s', (value, iso) => {
    expect(new Date(parseFilterDate(value) ?? Number.NaN).toISOString()).toBe(iso);
  });

  it.each([
    '2026-11-27T14:00:00+25:00',
    '2026-11-27T14:00:00+14:01',
    '2026-11-27T14:00:00-15:00',
    '2026-11-27T14:00:00+05:60',
    '2026-02-29',
    '2026-11-27T24:00:00Z',
    'Fri, 27 Nov 2026 14:00:00 +2500',
    'Fri, 27 Nov 2026 14:00:00 +0099',
    'tomorrow',
  ])('refuse %s', (value) => {
    expect(parseFilterDate(value)).toBeUndefined();
  });

  it('refuse impossible offsets in SignalWire dates too, rather than shift them by days', () => {
    expect(parseSignalWireDate('Fri, 27 Nov 2026 14:00:00 +9900')).toBeUndefined();
    expect(parseSignalWireDate('Fri, 27 Nov 2026 14:00:00 +1400')).toBe(Date.parse('2026-11-27T00:00:00Z'));
  });

  it('finding 6: startTimeAfter=0000-01-01T00:00:00+14:00 is refused by name, not sent as `Fri, 31 Dec 00-1 …`', () => {
    expect(parseFilterDate('0000-01-01T00:00:00+14:00')).toBeUndefined();
    expect(() => toSignalWireFilter({ startTimeAfter: '0000-01-01T00:00:00+14:00' })).toThrow(
      expect.objectContaining({
        violations: [
          {
            field: 'startTimeAfter',
            rule: 'date',
            message:
              'startTimeAfter must be a date (RFC 2822 or ISO 8601, years 1000 to 9999, offset at most ±14:00)',
          },
        ],
      }),
    );
    // The bounds are the instant's too: the first minute of year 1000 at +14:00 is still year 999 in UTC.
    expect(parseFilterDate('1000-01-01T00:00:00+14:00')).toBeUndefined();
    expect(parseFilterDate('1000-01-01T00:00:00Z')).toBe(Date.parse('1000-01-01T00:00:00Z'));
    expect(parseFilterDate('9999-12-31T23:59:59Z')).toBe(Date.parse('9999-12-31T23:59:59Z'));
    expect(parseFilterDate('9999-12-31T23:59:59-00:01')).toBeUndefined();
  });

  it("finding 6: SignalWire's `01 Jan 0099 00:00 GMT` is not read as 1999 but as no date at all", () => {
    expect(parseSignalWireDate('01 Jan 0099 00:00 GMT')).toBeUndefined();
    expect(parseSignalWireDate('01 Jan 1999 00:00 GMT')).toBe(Date.parse('1999-01-01T00:00:00Z'));
    expect(parseFilterDate('Thu, 01 Jan 0099 00:00:00 +0000')).toBeUndefined();
  });

  it('are written for SignalWire in RFC 2822 GMT, as it writes its own dates', () => {
    expect(toSignalWireDate(Date.parse('2018-09-19T20:00:00.900Z'))).toBe('Wed, 19 Sep 2018 20:00:00 +0000');
    expect(toSignalWireDate(Date.parse('2026-01-05T03:04:05Z'))).toBe('Mon, 05 Jan 2026 03:04:05 +0000');
  });
});

describe('issue 18 item 5: one translator of schema errors, one wording on every trigger', () => {
  const envelope = (detail: unknown) => ({
    version: '0',
    id: '6f1e6c0e-1d7a-4d55-8c39-2b0a8d1f4a10',
    'detail-type': 'Call Update Requested',
    source: 'com.example.crm',
    account: '123456789012',
    time: '2026-03-04T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  });
  const cleanupRefusal = (policy: object) => {
    try {
      parseCleanupEvent(
        { scheduleName: 'nightly', policy: { maxAgeSeconds: { inProgress: 3600 }, ...policy } },
        undefined,
      );
    } catch (error) {
      return (error as RequestValidationError).violations;
    }
    throw new Error('the policy was accepted');
  };
  const sid = '0f0e0d0c-0b0a-4909-8807-060504030201';

  it('words a value that is not a whole number the same for the cleanup as for any other input ("a whole number", never "a single integer")', () => {
    const ajvError = {
      keyword: 'type',
      instancePath: '/body/Timeout',
      schemaPath: '#',
      params: { type: 'integer' },
    };

    expect(violationsFromAjv([ajvError])).toEqual([
      { field: 'Timeout', rule: 'type', message: 'Timeout must be a whole number' },
    ]);
    expect(cleanupRefusal({ maxCallsToEnd: '5' })).toEqual([
      { field: 'policy.maxCallsToEnd', rule: 'type', message: 'policy.maxCallsToEnd must be a whole number' },
    ]);
  });

  it('words a wrong type and an empty value alike for events (the HTTP words), the cleanup and the CLI', () => {
    expect(
      callUpdateRequestViolations(envelope({ callSid: sid, action: 'terminate', correlationId: 7 })),
    ).toEqual([{ field: 'correlationId', rule: 'type', message: 'correlationId must be a string' }]);
    expect(cleanupRefusal({ to: { prefixes: [7] } })).toEqual([
      { field: 'policy.to.prefixes[0]', rule: 'type', message: 'policy.to.prefixes[0] must be a string' },
    ]);
    expect(
      callUpdateRequestViolations(envelope({ callSid: sid, action: 'terminate', idempotencyKey: '' })),
    ).toEqual([{ field: 'idempotencyKey', rule: 'length', message: 'idempotencyKey must not be empty' }]);
    expect(cleanupRefusal({ to: { prefixes: [''] } })).toEqual([
      { field: 'policy.to.prefixes[0]', rule: 'length', message: 'policy.to.prefixes[0] must not be empty' },
    ]);
    // The CLI's own check names the flag typed (cli/core/flag-words.ts), in the same words.
    expect(() => checkUpdate(sid, { Status: 'ended' } as unknown as CallUpdate)).toThrow(
      /^--status must be one of: /,
    );
    expect(cleanupRefusal({ directions: ['sideways'] })[0]?.message).toMatch(
      /^policy\.directions\[0\] must be one of: /,
    );
  });

  it.each([
    ['https:///a', 'it has no host'],
    ['https://example.com:0/a', 'its port is not a number from 1 to 65535 (without leading zeros)'],
    ['https://[::1]:080/a', 'its port is not a number from 1 to 65535 (without leading zeros)'],
    ['https://user@example.com/a', 'it carries user:password@ (or user@), which audit records would keep'],
    ['https://ä"x.com/a', 'its host is not ASCII (write an internationalised domain name in its xn-- form)'],
    ['https://[::1]x/a', 'its host is no name nor an IPv6 address in brackets'],
    [
      'https://example.com/a|b',
      'it holds a character to percent-encode: one of "<>\\^`{|}[], a second # or a % not in %XX',
    ],
  ])('says what is wrong with the URL %s in an event as the HTTP API does', (url, problem) => {
    expect(
      callUpdateRequestViolations(
        envelope({ callSid: sid, action: 'update', update: { StatusCallback: url } }),
      ),
    ).toEqual([
      {
        field: 'StatusCallback',
        rule: 'url',
        message: `StatusCallback must be an absolute http(s) URL (no user:password; a port, if given, from 1 to 65535): ${problem}`,
      },
    ]);
  });
});

describe('one rule for a callback URL (validation/http-url.ts)', () => {
  const takes = (url: string) => new RegExp(callUpdateSchema.properties.Url.pattern).test(url) && uri(url);

  it.each([
    'https://example.com/a',
    'HTTP://EXAMPLE.COM',
    'https://example.com:65535/a?b#c',
    'http://192.0.2.1:1/',
    'https://[2001:db8::1]:8080/a',
    'https://xn--exmple-cua.com/a',
    'https:///a',
    'https://:443/a',
    'https://example.com:/a',
    'https://example.com:0/a',
    'https://example.com:08080/a',
    'https://example.com:65536/a',
    'https://[::1]:99999/a',
    'https://a:1:2/a',
    'https://user@example.com/a',
    'https://user:secret@example.com/a',
    'ftp://example.com/a',
    'example.com/a',
    'https://example.com/a b',
    'https://exämple.com/a',
    'https://example.com/café',
    // A host in brackets: only an IPv6 address, the whole host (the format takes a leading zero in a dotted part).
    'https://[::ffff:192.0.2.1]/a',
    'https://[::01.2.3.4]/a',
    'https://[1.2.3.4]/a',
    'https://[v1.x]/a',
    'https://[1::2::3]/a',
    'https://[::0001.2.3.4]/a',
    'https://[::ffff:001.2.3.040]/a',
    'https://[::1]x/a',
    'https://[::1/a',
    'https://a[b]/a',
    'https://a]/a',
    // What a URL must percent-encode, in its host, path, query or fragment.
    'https://example.com/a|b',
    'https://example.com/?a={b}',
    'https://example.com/a#"b"',
    'https://exa^mple.com/a',
    'https://example.com/a[1]',
    'https://example.com/100%',
    'https://example.com/%zz',
    'https://example.com/%41',
    'https://example.com/a#b#c',
    "https://example.com/!$&'()*+,;=:@~",
  ])('words a problem with %s exactly when the schemas refuse it', (url) => {
    expect(urlProblem(url) === undefined).toBe(takes(url));
  });

  it.each([
    // A character to percent-encode in a host is that, not a host that is "no name": only brackets send a host to
    // the URL parser, which refuses `^` and `%` in one.
    ['https://exa^mple.com/a', 'it holds a character to percent-encode'],
    ['https://exa%zzmple.com/a', 'it holds a character to percent-encode'],
    ['https://a[b]/a', 'its host is no name nor an IPv6 address in brackets'],
  ])('says what is wrong with %s', (url, problem) => {
    expect(urlProblem(url)).toMatch(new RegExp(`^${problem}`));
  });

  it('takes an IPv4 tail of an IPv6 address with up to two leading zeros in any dotted part', () => {
    expect(urlProblem('https://[::ffff:001.2.3.040]/a')).toBeUndefined();
    expect(urlProblem('https://[::ffff:1.02.3.4]/a')).toBeUndefined();
  });
});
