import { describe, expect, it } from 'vitest';
import { fresherReading, uniqueCalls } from '#commons/calls/unique-calls';
import type { CallView } from '#commons/signalwire/types';

/**
 * One call read twice (SignalWire's pages shifted between two reads): the reading kept is the freshest, and a
 * reading's `date_updated` from outside (null, missing, not a date, dated far ahead) can neither fail the listing
 * nor make a stale reading win.
 */
const SID = 'CA0123456789abcdef0123456789abcdef';
// An hour ago, to the second: every date here is in the past of the clock the listing reads.
const NOW = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const rfc = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');
const reading = (status: CallView['status'], date_updated: unknown): CallView =>
  ({ sid: SID, status, date_updated }) as unknown as CallView;

describe('uniqueCalls: the freshest reading of a call listed twice', () => {
  it.each([
    ['null', null],
    ['missing', undefined],
    ['a number', 1_765_000_000],
    ['not a date', 'yesterday'],
  ])('keeps the later reading when a date_updated is %s, without failing the listing', (_name, hostile) => {
    const earlier = reading('in-progress', hostile);
    const later = reading('completed', rfc(NOW));
    expect(uniqueCalls([earlier, later])).toEqual([later]);
    expect(uniqueCalls([reading('in-progress', rfc(NOW)), reading('completed', hostile)])).toEqual([
      reading('completed', hostile),
    ]);
  });

  it('never keeps a live reading dated far ahead of the clock over the later one', () => {
    const ahead = reading('ringing', rfc(Date.UTC(2099, 0, 1)));
    const later = reading('in-progress', rfc(NOW - 1000));
    expect(fresherReading(ahead, later, NOW)).toBe(later);
    // A date within the clock tolerance is still read.
    const soon = reading('in-progress', rfc(NOW + 60_000));
    expect(fresherReading(soon, reading('ringing', rfc(NOW - 60_000)), NOW)).toBe(soon);
  });

  it('keeps an ended reading over a live one whatever their dates: a call never comes back from its end', () => {
    const ended = reading('completed', rfc(NOW - 60_000));
    const live = reading('in-progress', rfc(NOW));
    expect(uniqueCalls([ended, live])).toEqual([ended]);
    expect(uniqueCalls([live, ended])).toEqual([ended]);
  });

  it('keeps the reading updated later, and the later reading on a tie', () => {
    const newer = reading('in-progress', rfc(NOW));
    const older = reading('ringing', rfc(NOW - 30_000));
    expect(uniqueCalls([newer, older])).toEqual([newer]);
    const tie = reading('in-progress', rfc(NOW - 30_000));
    expect(uniqueCalls([older, tie])).toEqual([tie]);
  });
});
