import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/local-stack-suite.ts';
import { operatorApi } from '../support/operator-api.ts';

/**
 * `GET /calls` followed page by page with `cursor`, through the real HTTP function (local API Gateway, real call
 * service and adapters), over SignalWire pages that shift between reads: the emulator cuts its pages by offset, and
 * after each page read (List Calls or the voice logs) new calls of either kind arrive at the front of the listing.
 * Whatever the page size, the calls there and the arrivals: no call is shown on two pages, no call that existed
 * throughout is missing, and every cursor stays small.
 */

const SEED = Number(process.env.FC_SEED ?? 20_261_207);
const RUNS = Number(process.env.FC_RUNS ?? 40);
/** The cursor's bound: a page link and the last 64 calls shown, sealed (about 1 KiB in practice). */
const MAX_CURSOR_CHARS = 2_048;

const { stack } = useLocalStack();
const api = operatorApi(stack);
afterEach(() => stack.emulator.setPaging('cursor'));

let listing = 0;

const arrivals = fc.array(fc.record({ compatibility: fc.nat(3), calling: fc.nat(3) }), { maxLength: 20 });

describe('GET /calls followed with cursor while new calls arrive between page reads', () => {
  it('shows each call at most once and every call that existed throughout', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(12),
        fc.nat(12),
        fc.integer({ min: 1, max: 6 }),
        arrivals,
        async (compatibilityCalls, nativeCalls, pageSize, shifts) => {
          // Each listing has its own quarter of an hour in the past, so the voice logs it reads (which filter on
          // nothing but the creation time) hold its calls only: "now" at the front is its window's newest end.
          const far = 100_000 + listing * 1_000;
          const to = `+1415777${String(listing++).padStart(4, '0')}`;
          const { emulator, projectId } = stack;
          const throughout = new Set<string>();
          for (let n = 0; n < compatibilityCalls; n++) {
            const ageSeconds = far - 500 - n;
            throughout.add(emulator.seedCall(projectId, { status: 'in-progress', ageSeconds, to }).sid);
          }
          for (let n = 0; n < nativeCalls; n++) {
            const ageSeconds = far - 500 - n;
            throughout.add(emulator.native.seed(projectId, { status: 'answered', ageSeconds, to }).id);
          }
          const pending = [...shifts];
          emulator.setPaging('offset', () => {
            const shift = pending.shift();
            for (let n = 0; n < (shift?.compatibility ?? 0); n++) {
              emulator.seedCall(projectId, { status: 'in-progress', ageSeconds: far - 400, to });
            }
            for (let n = 0; n < (shift?.calling ?? 0); n++) {
              emulator.native.seed(projectId, { status: 'answered', ageSeconds: far - 400, to });
            }
          });
          const second = (ageSeconds: number) =>
            new Date(Date.now() - ageSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
          const query = new URLSearchParams({
            to,
            pageSize: String(pageSize),
            startTimeAfter: second(far),
            startTimeBefore: second(far - 900),
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
            expect(next_cursor.length).toBeLessThanOrEqual(MAX_CURSOR_CHARS);
            expect(pages).toBeLessThan(500);
            answer = await api.request('GET', `/calls?cursor=${encodeURIComponent(next_cursor)}`);
          }
          emulator.setPaging('cursor');

          const repeated = shown.filter((sid, index) => shown.indexOf(sid) !== index);
          expect(repeated).toEqual([]);
          expect([...throughout].filter((sid) => !shown.includes(sid))).toEqual([]);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  }, 300_000);
});
