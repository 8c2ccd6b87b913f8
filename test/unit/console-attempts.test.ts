import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A browser's localStorage as far as the open-attempt store uses it; `full` refuses every write. */
const storage = () => {
  const items = new Map<string, string>();
  return {
    full: false,
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem(key: string, value: string) {
      if (this.full) throw new DOMException('quota', 'QuotaExceededError');
      items.set(key, value);
    },
    removeItem: (key: string) => items.delete(key),
  };
};
const KEY = 'call-control-console-open-changes';
let store: ReturnType<typeof storage>;
/** A fresh copy of the module (its in-memory notes start empty), over a fresh storage. */
const load = () => import('../../console/src/attempts.ts');

beforeEach(() => {
  vi.resetModules();
  store = storage();
  vi.stubGlobal('localStorage', store);
});
afterEach(() => vi.unstubAllGlobals());

describe('the console’s open attempts: what storage holds is checked', () => {
  it('drops a stored time more than a minute ahead of this clock, or not finite', async () => {
    const now = Date.now();
    store.items.set(
      KEY,
      JSON.stringify({
        CA1: [{ change: 'end', at: now + 10 * 3_600_000 }],
        CA2: [{ change: 'end', at: 8.64e15 + 1 }],
        CA3: [{ change: 'end', at: now + 30_000 }],
        CA4: [{ change: 'end', at: now - 60_000 }],
      }),
    );
    const { openAttempts } = await load();
    expect(openAttempts('CA1')).toEqual([]);
    expect(openAttempts('CA2')).toEqual([]);
    expect(openAttempts('CA3')).toEqual([{ change: 'end', at: now + 30_000 }]);
    expect(openAttempts('CA4')).toEqual([{ change: 'end', at: now - 60_000 }]);
  });

  it('knows no attempts on a call whose SID is an Object.prototype member, and notes one as any other', async () => {
    const { noteOpen, openAttempts, settle } = await load();
    for (const sid of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(openAttempts(sid)).toEqual([]);
      noteOpen(sid, 'end');
      expect(openAttempts(sid).map((a) => a.change)).toEqual(['end']);
      settle(sid, 'ended');
      expect(openAttempts(sid)).toEqual([]);
    }
  });
});

describe('the console’s open attempts when storage is full', () => {
  it('reads the note this tab could not store, beside what storage holds, and settles both', async () => {
    const now = Date.now();
    store.items.set(KEY, JSON.stringify({ CAother: [{ change: 'end', at: now - 1_000 }] }));
    store.full = true;
    const { noteOpen, openAttempts, settle } = await load();
    noteOpen('CA1', 'end');
    expect(openAttempts('CA1').map((a) => a.change)).toEqual(['end']);
    expect(openAttempts('CAother')).toEqual([{ change: 'end', at: now - 1_000 }]);
    settle('CA1', 'ended');
    expect(openAttempts('CA1')).toEqual([]);
    store.full = false;
    settle('CAother', 'ended');
    expect(openAttempts('CAother')).toEqual([]);
    expect(JSON.parse(store.items.get(KEY) ?? '')).toEqual({});
  });

  it('does not read back a note settled while storage refused the write', async () => {
    const { noteOpen, openAttempts, settle } = await load();
    noteOpen('CA1', 'end');
    expect(store.items.has(KEY)).toBe(true);
    store.full = true;
    settle('CA1', 'ended');
    expect(openAttempts('CA1')).toEqual([]);
  });
});
