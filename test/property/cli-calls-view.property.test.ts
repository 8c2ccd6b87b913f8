import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ListedCall } from '../../cli/core/backend.ts';
import { callDetails, callsTable, KIND_OF_API } from '../../cli/core/calls-view.ts';
import { paint } from '../../cli/core/terminal.ts';

// The CLI's call tables and details over both kinds of call: whatever a listing answers (a native call's from,
// to, status, direction, or an `api` that is neither name), the terminal gets no control character, and KIND is
// one of the CLI's own two words.
const SEED = Number(process.env.FC_SEED ?? 20_261_206);

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\x1b[2J', '\x1b]0;owned\x07', '\u202e', '\u0085', '\x7f', '\r'),
    fc.string({ unit: 'grapheme', maxLength: 3 }),
  ),
  maxLength: 30,
});

// `api` as an answer might hold it: typed as the two names, read as any string.
const callOf = (fields: Record<string, string>, api: string, apiVersion: string): ListedCall =>
  ({
    sid: '5b864cfc-c010-436e-9e10-d3892fe73318',
    account_sid: '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d',
    date_created: 'Sun, 06 Dec 2026 08:01:58 +0000',
    start_time: null,
    end_time: null,
    duration: 0,
    parent_call_sid: null,
    api_version: apiVersion,
    ...fields,
    api,
  }) as unknown as ListedCall;

describe(`the CLI's call views over both kinds (seed ${SEED})`, () => {
  it('a table row and a call’s details carry no control character, and KIND is compat or native', () => {
    fc.assert(
      fc.property(
        fc.record({ from: hostile, to: hostile, status: hostile, direction: hostile }),
        fc.oneof(hostile, fc.constantFrom('calling', 'compatibility')),
        fc.constantFrom('calling', '2010-04-01'),
        (fields, api, apiVersion) => {
          const call = callOf(fields, api, apiVersion);
          const table = callsTable([call], paint(false), Date.parse('2026-12-06T09:00:00Z'), process.stdout, {
            width: undefined,
            dropOrder: [],
          });
          for (const line of table.split('\n')) expect(line).not.toMatch(TERMINAL_CONTROL);
          const kind = table.split('\n')[1]?.trimEnd().split(' ').at(-1);
          const expected =
            api === 'calling' || api === 'compatibility'
              ? api
              : apiVersion === 'calling'
                ? 'calling'
                : 'compatibility';
          expect(kind).toBe(KIND_OF_API[expected]);
          for (const line of callDetails(call).split('\n')) expect(line).not.toMatch(TERMINAL_CONTROL);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});
