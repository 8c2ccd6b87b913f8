import { describe, expect, it } from 'vitest';
import { describeError, RequestValidationError } from '#commons/errors';
import { parseFilterDate, parseSignalWireDate, toSignalWireDate } from '#commons/signalwire/dates';
import { fieldLabel, keyViolations } from '#commons/validation/violations';

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

  it('are written for SignalWire in RFC 2822 GMT, as it writes its own dates', () => {
    expect(toSignalWireDate(Date.parse('2018-09-19T20:00:00.900Z'))).toBe('Wed, 19 Sep 2018 20:00:00 +0000');
    expect(toSignalWireDate(Date.parse('2026-01-05T03:04:05Z'))).toBe('Mon, 05 Jan 2026 03:04:05 +0000');
  });
});
