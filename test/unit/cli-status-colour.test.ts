import { describe, expect, it } from 'vitest';
import type { ListedCall } from '../../cli/core/backend.ts';
import { CALL_DROP_ORDER, CALL_MAX_CELL, CALL_WHOLE, callsTable } from '../../cli/core/calls-view.ts';
import { paint } from '../../cli/core/terminal.ts';

/**
 * The calls table colours a call's status by its field: the STATUS cell, never a status word that text from
 * outside (a caller's name or number, a direction) happens to hold.
 */

const callOf = (sid: string, fields: Partial<Record<'from' | 'to' | 'status' | 'direction', string>>) =>
  ({
    sid,
    account_sid: '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d',
    from: '+14155550100',
    to: '+13105550002',
    status: 'completed',
    direction: 'outbound',
    date_created: 'Sun, 06 Dec 2026 08:01:58 +0000',
    start_time: null,
    end_time: null,
    duration: 0,
    parent_call_sid: null,
    api_version: '2010-04-01',
    api: 'compatibility',
    ...fields,
  }) as unknown as ListedCall;

const calls = [
  callOf('3f2a6c1e-9bf0-4a11-8c2d-0123456789ab', {
    from: 'queued',
    to: 'sip:ringing',
    direction: 'in-progress',
  }),
  callOf('4e1b6c1e-9bf0-4a11-8c2d-0123456789ab', { from: 'failed in-progress', status: 'ringing' }),
];
const style = paint(true);
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding colour codes is the point
const COLOURED = /\u001b\[3[123]m([^\u001b]*)\u001b\[39m/g;
const colouredWords = (text: string) => [...text.matchAll(COLOURED)].map((match) => match[1]);
const at = Date.parse('2026-12-06T09:00:00Z');

describe('the calls table’s status colour', () => {
  it('colours the STATUS cell alone on a wide terminal, not status words in FROM, TO or DIRECTION', () => {
    const table = callsTable(calls, style, at, process.stdout, { width: undefined, dropOrder: [] });
    expect(colouredWords(table)).toEqual(['ringing']);
    expect(table.split('\n')[2]).toContain(style.yellow('ringing'));
    expect(table.split('\n')[1]).toContain('queued');
  });

  it('colours the status under each stacked SID on a narrow one, and nothing else', () => {
    const table = callsTable(calls, style, at, process.stdout, {
      width: 30,
      dropOrder: CALL_DROP_ORDER,
      maxCell: CALL_MAX_CELL,
      whole: CALL_WHOLE,
    });
    expect(table).toContain(`  STATUS  ${style.yellow('ringing')}`);
    expect(colouredWords(table)).toEqual(['ringing']);
  });

  it('keeps the columns aligned when a status is coloured', () => {
    const table = callsTable(calls, style, at, process.stdout, { width: undefined, dropOrder: [] });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing colour codes to measure
    const plainLines = table.replace(/\u001b\[\d+m/g, '').split('\n');
    const directionAt = plainLines[0]!.indexOf('DIRECTION');
    expect(plainLines[1]!.indexOf('in-progress')).toBe(directionAt);
    expect(plainLines[2]!.indexOf('outbound')).toBe(directionAt);
  });
});
