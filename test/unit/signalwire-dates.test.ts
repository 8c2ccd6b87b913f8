import { describe, expect, it } from 'vitest';
import { parseFilterDate, parseSignalWireDate } from '#commons/signalwire/dates';

/**
 * SignalWire writes dates in RFC 2822 in GMT (`Wed, 19 Sep 2018 20:00:00 +0000`); a date filter may also be
 * ISO 8601. A text that names no instant (hour 24, minute 60, month 13, an instant outside years 1000–9999) is
 * refused (undefined), never read as a neighbouring instant: the cleanup's age of a call comes from these.
 */

const at = Date.UTC;

describe("SignalWire's RFC 2822 dates", () => {
  it('reads the documented example, and the same instant with blanks around it', () => {
    expect(parseSignalWireDate('Wed, 19 Sep 2018 20:00:00 +0000')).toBe(at(2018, 8, 19, 20));
    expect(parseSignalWireDate('  Wed, 19 Sep 2018 20:00:00 +0000\n')).toBe(at(2018, 8, 19, 20));
  });

  it('reads the zones GMT and UT as offset zero', () => {
    expect(parseSignalWireDate('Wed, 19 Sep 2018 20:00:00 GMT')).toBe(at(2018, 8, 19, 20));
    expect(parseSignalWireDate('Wed, 19 Sep 2018 20:00:00 UT')).toBe(at(2018, 8, 19, 20));
  });

  it('refuses hour 24 and minute 60, which Date.UTC would roll into the next day or hour', () => {
    expect(parseSignalWireDate('Wed, 19 Sep 2018 24:00:00 +0000')).toBeUndefined();
    expect(parseSignalWireDate('19 Sep 2018 24:00 +0000')).toBeUndefined();
    expect(parseSignalWireDate('Wed, 19 Sep 2018 20:60:00 +0000')).toBeUndefined();
    expect(parseSignalWireDate('Wed, 19 Sep 2018 23:59:59 +0000')).toBe(at(2018, 8, 19, 23, 59, 59));
  });

  it('refuses a two-digit year written with four digits (0099), which Date.UTC would read as 1999', () => {
    expect(parseSignalWireDate('01 Jan 0099 00:00:00 +0000')).toBeUndefined();
    expect(parseSignalWireDate('01 Jan 0999 00:00:00 +0000')).toBeUndefined();
  });

  it('refuses a date in year 1000 or 9999 whose offset moves the instant out of years 1000–9999', () => {
    expect(parseSignalWireDate('01 Jan 1000 00:30:00 +0100')).toBeUndefined();
    expect(parseSignalWireDate('01 Jan 1000 01:00:00 +0100')).toBe(at(1000, 0, 1));
    expect(parseSignalWireDate('31 Dec 9999 23:00:00 -0100')).toBeUndefined();
    expect(parseSignalWireDate('31 Dec 9999 22:59:59 -0100')).toBe(at(9999, 11, 31, 23, 59, 59));
  });
});

describe('date filters in ISO 8601', () => {
  it('refuses month 00 and 13, which Date.UTC would roll into the year before or after', () => {
    expect(parseFilterDate('2024-13-01')).toBeUndefined();
    expect(parseFilterDate('2024-00-15')).toBeUndefined();
    expect(parseFilterDate('2024-12-01')).toBe(at(2024, 11, 1));
  });

  it('refuses hour 24 and minute 60; second 60 (a leap second) is the next minute, 61 is refused', () => {
    expect(parseFilterDate('2024-01-01T24:00')).toBeUndefined();
    expect(parseFilterDate('2024-01-01T12:60')).toBeUndefined();
    expect(parseFilterDate('2016-12-31T23:59:60Z')).toBe(at(2017, 0, 1));
    expect(parseFilterDate('2016-12-31T23:59:61Z')).toBeUndefined();
    expect(parseSignalWireDate('Sat, 31 Dec 2016 23:59:60 +0000')).toBe(at(2017, 0, 1));
    expect(parseSignalWireDate('Sat, 31 Dec 2016 23:59:61 +0000')).toBeUndefined();
  });

  it('reads a time without a zone, and with Z, as UTC', () => {
    expect(parseFilterDate('2024-03-01T12:30')).toBe(at(2024, 2, 1, 12, 30));
    expect(parseFilterDate('2024-03-01T12:30Z')).toBe(at(2024, 2, 1, 12, 30));
    expect(parseFilterDate('2024-03-01T12:30+01:30')).toBe(at(2024, 2, 1, 11));
  });
});
