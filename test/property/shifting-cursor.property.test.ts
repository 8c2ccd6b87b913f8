import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack-suite.ts';
import { operatorApi } from '../support/operator-api.ts';

/**
 * `GET /calls` followed page by page with `cursor`, through the real HTTP function (local API Gateway, real call
 * service and adapters), over SignalWire pages that may shift between reads: the emulator cuts its pages by offset
 * (or by a true cursor, where nothing shifts), and after each page read (List Calls or the voice logs) new calls
 * arrive at the front of the listing: Compatibility and native calls the listing matches, and native calls it
 * does not (they shift the voice logs, which are filtered here). No call that existed throughout is ever missing;
 * and while no more calls arrive between two reads than a page holds, none is shown on two pages.
 */

const SEED = Number(process.env.FC_SEED ?? 20_261_207);
const RUNS = Number(process.env.FC_RUNS ?? 30);

const { stack } = useLocalStack();
const api = operatorApi(stack);
afterEach(() => stack.emulator.setPaging('cursor'));

interface Arrivals {
  compatibility: number;
  calling: number;
  other: number;
}

/** Arrivals after each read; within a page: at most `pageSize` in all after any one read. */
const arrivalsOf = (pageSize: number, withinPage: boolean) =>
  fc
    .array(fc.record({ compatibility: fc.nat(3), calling: fc.nat(3), other: fc.nat(3) }), { maxLength: 20 })
    .map((shifts) =>
      withinPage
        ? shifts.map(({ compatibility, calling, other }): Arrivals => {
            const c = Math.min(compatibility, pageSize);
            const n = Math.min(calling, pageSize - c);
            return { compatibility: c, calling: n, other: Math.min(other, pageSize - c - n) };
          })
        : shifts,
    );

const listing = (withinPage: boolean) =>
  fc.integer({ min: 1, max: 6 }).chain((pageSize) =>
    fc.record({
      pageSize: fc.constant(pageSize),
      compatibilityCalls: fc.nat(12),
      nativeCalls: fc.nat(12),
      api: fc.constantFrom(undefined, 'compatibility', 'calling'),
      paging: fc.constantFrom('offset' as const, 'cursor' as const),
      shifts: arrivalsOf(pageSize, withinPage),
    }),
  );

let listings = 0;

/** Seeds a listing's calls, lists it to the end with arrivals after every read: what existed, what was shown. */
const listWhileCallsArrive = async (run: {
  pageSize: number;
  compatibilityCalls: number;
  nativeCalls: number;
  api: 'compatibility' | 'calling' | undefined;
  paging: 'offset' | 'cursor';
  shifts: Arrivals[];
}) => {
  // Each listing has its own quarter of an hour in the past, so the voice logs it reads (which filter on nothing
  // but the creation time) hold its calls only: "now" at the front is its window's newest end.
  const far = 100_000 + listings * 1_000;
  const to = `+1415777${String(listings++).padStart(4, '0')}`;
  const { emulator, projectId } = stack;
  const throughout = new Set<string>();
  for (let n = 0; n < run.compatibilityCalls && run.api !== 'calling'; n++) {
    throughout.add(
      emulator.seedCall(projectId, { status: 'in-progress', ageSeconds: far - 500 - n, to }).sid,
    );
  }
  for (let n = 0; n < run.nativeCalls && run.api !== 'compatibility'; n++) {
    throughout.add(emulator.native.seed(projectId, { status: 'answered', ageSeconds: far - 500 - n, to }).id);
  }
  const pending = [...run.shifts];
  emulator.setPaging(run.paging, () => {
    const shift = pending.shift();
    const ageSeconds = far - 400;
    for (let n = 0; n < (shift?.compatibility ?? 0); n++) {
      emulator.seedCall(projectId, { status: 'in-progress', ageSeconds, to });
    }
    for (let n = 0; n < (shift?.calling ?? 0); n++) {
      emulator.native.seed(projectId, { status: 'answered', ageSeconds, to });
    }
    for (let n = 0; n < (shift?.other ?? 0); n++) {
      emulator.native.seed(projectId, { status: 'answered', ageSeconds, to: '+14155550000' });
    }
  });
  const second = (ageSeconds: number) =>
    new Date(Date.now() - ageSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const query = new URLSearchParams({
    to,
    pageSize: String(run.pageSize),
    startTimeAfter: second(far),
    startTimeBefore: second(far - 900),
    ...(run.api ? { api: run.api } : {}),
  });

  const shown: string[] = [];
  let answer = await api.request('GET', `/calls?${query}`);
  for (let pages = 1; ; pages++) {
    expect(answer.status, answer.text).toBe(200);
    const { calls, next_cursor } = answer.json as {
      calls: Array<{ sid: string }>;
      next_cursor: string | null;
    };
    shown.push(...calls.map((call) => call.sid));
    if (next_cursor === null) break;
    expect(pages).toBeLessThan(500);
    answer = await api.request('GET', `/calls?cursor=${encodeURIComponent(next_cursor)}`);
  }
  emulator.setPaging('cursor');
  return { throughout, shown };
};

describe('GET /calls followed with cursor while new calls arrive between page reads', () => {
  it('shows each call at most once, and every call that existed throughout, while a page holds the arrivals', async () => {
    await fc.assert(
      fc.asyncProperty(listing(true), async (run) => {
        const { throughout, shown } = await listWhileCallsArrive(run);

        expect(shown.filter((sid, index) => shown.indexOf(sid) !== index)).toEqual([]);
        expect([...throughout].filter((sid) => !shown.includes(sid))).toEqual([]);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 300_000);

  it('never misses a call that existed throughout, however many calls arrive', async () => {
    await fc.assert(
      fc.asyncProperty(listing(false), async (run) => {
        const { throughout, shown } = await listWhileCallsArrive(run);

        expect([...throughout].filter((sid) => !shown.includes(sid))).toEqual([]);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 300_000);
});
