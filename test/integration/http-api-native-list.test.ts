import { describe, expect, it } from 'vitest';
import { cursorKey, openCursor, sealCursor } from '#commons/http/cursor-seal';
import { useLocalStack } from '../support/local-stack-suite.ts';

const { stack } = useLocalStack({ SIGNALWIRE_TIMEOUT_MS: '800' });
let caller = 0;

interface Listed {
  sid: string;
  status: string;
  api: string;
}
interface ListAnswer {
  calls: Listed[];
  next_cursor: string | null;
  apis: string[];
  error?: { code: string; violations?: Array<{ field: string; rule: string }> };
}

const list = async (query: string) => {
  const response = await fetch(`${stack.api.url}/calls?${query}`);
  return { status: response.status, json: (await response.json()) as ListAnswer };
};

/** A caller number of this test alone, so that what a listing finds is only what the test seeded. */
const newCaller = () => `+1415777${String(++caller).padStart(4, '0')}`;

/** Seeds live calls of both kinds from one caller: Compatibility and native, queued and connected. */
const seedBoth = (from: string) => {
  const compatibility = {
    queued: [1, 2, 3].map(() => stack.emulator.seedCall(stack.projectId, { status: 'queued', from }).sid),
    inProgress: [1, 2].map(
      () => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, from }).sid,
    ),
    completed: stack.emulator.seedCall(stack.projectId, { status: 'completed', ageSeconds: 90, from }).sid,
  };
  const native = {
    queued: [1, 2, 3].map(() => stack.emulator.native.seed(stack.projectId, { status: 'queued', from }).id),
    answered: [1, 2].map(
      () => stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: 60, from }).id,
    ),
    ended: stack.emulator.native.seed(stack.projectId, { status: 'ended', ageSeconds: 120, from }).id,
  };
  return { compatibility, native };
};

const voiceLogReads = () => stack.emulator.requests.filter((r) => r.path === '/api/voice/logs');
const listCallsReads = () => stack.emulator.requests.filter((r) => r.path.endsWith('/Calls.json'));

/** Follows the cursors to the end; every page's answer. */
const everyPage = async (query: string) => {
  const pages = [await list(query)];
  for (let page = pages[0]; page?.json.next_cursor; ) {
    page = await list(`cursor=${page.json.next_cursor}`);
    pages.push(page);
    if (pages.length > 50) throw new Error('the listing does not end');
  }
  return pages;
};

describe('GET /calls over both kinds of call', () => {
  it('lists the in-progress calls of both kinds, each marked with the API that owns it', async () => {
    const from = newCaller();
    const seeded = seedBoth(from);

    const answer = await list(`status=in-progress&from=${encodeURIComponent(from)}`);

    expect(answer.status).toBe(200);
    expect(answer.json.apis).toEqual(['compatibility', 'calling']);
    const byApi = (api: string) =>
      answer.json.calls
        .filter((call) => call.api === api)
        .map((call) => call.sid)
        .sort();
    expect(byApi('compatibility')).toEqual([...seeded.compatibility.inProgress].sort());
    expect(byApi('calling')).toEqual([...seeded.native.answered].sort());
    expect(answer.json.calls.every((call) => call.status === 'in-progress')).toBe(true);
    expect(answer.json.next_cursor).toBeNull();
    // The live window bounds the voice logs read (a native call older than it cannot be live).
    expect(voiceLogReads()[0]?.query).toHaveProperty('created_after');
  });

  it('pages across both kinds with a small page size, visiting every call exactly once', async () => {
    const from = newCaller();
    const seeded = seedBoth(from);

    const pages = await everyPage(`status=queued&from=${encodeURIComponent(from)}&pageSize=2`);

    expect(pages.every((page) => page.status === 200)).toBe(true);
    const sids = pages.flatMap((page) => page.json.calls.map((call) => call.sid));
    expect(sids).toHaveLength(new Set(sids).size);
    expect([...sids].sort()).toEqual([...seeded.compatibility.queued, ...seeded.native.queued].sort());
    const apis = pages.flatMap((page) => page.json.calls.map((call) => call.api));
    // The Compatibility calls come first, then the native ones.
    expect(apis).toEqual([...apis].sort((a, b) => (a === b ? 0 : a === 'compatibility' ? -1 : 1)));
    expect(pages.length).toBeGreaterThan(2);
  });

  it('narrows to native calls with api=calling, reading no List Calls page', async () => {
    const from = newCaller();
    const seeded = seedBoth(from);

    const pages = await everyPage(`api=calling&from=${encodeURIComponent(from)}&pageSize=2`);

    const listed = pages.flatMap((page) => page.json.calls);
    expect(listed.every((call) => call.api === 'calling')).toBe(true);
    expect(listed.map((call) => call.sid).sort()).toEqual(
      [...seeded.native.queued, ...seeded.native.answered, seeded.native.ended].sort(),
    );
    expect(pages[0]?.json.apis).toEqual(['calling']);
    expect(listCallsReads()).toHaveLength(0);
  });

  it('narrows to Compatibility calls with api=compatibility, reading no voice logs', async () => {
    const from = newCaller();
    const seeded = seedBoth(from);

    const pages = await everyPage(
      `api=compatibility&status=queued&from=${encodeURIComponent(from)}&pageSize=2`,
    );

    const listed = pages.flatMap((page) => page.json.calls);
    expect(listed.map((call) => call.sid).sort()).toEqual([...seeded.compatibility.queued].sort());
    expect(listed.every((call) => call.api === 'compatibility')).toBe(true);
    expect(voiceLogReads()).toHaveLength(0);
  });

  it('leaves native calls out of a listing filtered by end time, and says so in apis', async () => {
    const from = newCaller();
    seedBoth(from);

    const answer = await list(`endTimeAfter=2020-01-01&from=${encodeURIComponent(from)}`);

    expect(answer.status).toBe(200);
    expect(answer.json.apis).toEqual(['compatibility']);
    expect(answer.json.calls.every((call) => call.api === 'compatibility')).toBe(true);
    expect(voiceLogReads()).toHaveLength(0);
  });

  it('refuses an end-time filter with api=calling, naming the filter, and sends nothing', async () => {
    const answer = await list('api=calling&endTimeBefore=2030-01-01');

    expect(answer.status).toBe(400);
    expect(answer.json.error?.violations).toContainEqual(
      expect.objectContaining({ field: 'endTimeBefore', rule: 'api' }),
    );
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses an unknown api with 400 naming api', async () => {
    const answer = await list('api=laml');

    expect(answer.status).toBe(400);
    expect(answer.json.error?.violations).toContainEqual(expect.objectContaining({ field: 'api' }));
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe('the cursor of a listing over both kinds', () => {
  /** A cursor of the native phase: pages of one call until the voice logs are reached. */
  const nativeCursor = async () => {
    const from = newCaller();
    seedBoth(from);
    const first = await list(`api=calling&from=${encodeURIComponent(from)}&pageSize=1`);
    const cursor = first.json.next_cursor ?? '';
    expect(openCursor(cursor)?.uri).toMatch(/^calling:/);
    stack.emulator.clearRequests();
    return cursor;
  };

  it('refuses a native cursor with one byte changed, naming cursor, and sends nothing', async () => {
    const cursor = await nativeCursor();
    const bytes = Buffer.from(cursor, 'base64url');
    bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 1;

    const answer = await list(`cursor=${bytes.toString('base64url')}`);

    expect(answer.status).toBe(400);
    expect(answer.json.error?.violations).toContainEqual(expect.objectContaining({ field: 'cursor' }));
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses a native cursor whose filters were changed and sealed again with a guessed key', async () => {
    const cursor = await nativeCursor();
    const uri = (openCursor(cursor)?.uri ?? '').replace(/From=[^&]*/, 'From=%2B19995550100');
    const forged = sealCursor(uri, cursorKey('guess', stack.projectId));

    const answer = await list(`cursor=${forged}`);

    expect(answer.status).toBe(400);
    expect(answer.json.error?.violations).toContainEqual(expect.objectContaining({ field: 'cursor' }));
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses a native cursor carrying a parameter that is neither a voice-log one nor a filter', async () => {
    const cursor = await nativeCursor();
    // Into the page link, before the anchor of the last call shown that may end the cursor's text.
    const uri = (openCursor(cursor)?.uri ?? '').replace(/(#[\w-]{11})?$/, '&Beta=true$1');

    const answer = await list(`cursor=${sealCursor(uri, cursorKey(stack.apiToken, stack.projectId))}`);

    expect(answer.status).toBe(400);
    expect(answer.json.error?.violations).toContainEqual(
      expect.objectContaining({ field: 'cursor', message: expect.stringContaining('Beta') }),
    );
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe('a listing followed with cursor while calls arrive between page reads', () => {
  const key = () => cursorKey(stack.apiToken, stack.projectId);
  /** Seconds before now of each kind's calls here: the Compatibility ones show in the voice logs too. */
  const AGE = { compatibility: 600, calling: 1800 };
  /** Three live calls of one caller and kind, newest first. */
  const seedThree = (api: 'compatibility' | 'calling', from: string) =>
    [1, 2, 3].map((n) =>
      api === 'compatibility'
        ? stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: AGE[api] + n, from })
            .sid
        : stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: AGE[api] + n, from })
            .id,
    );

  it.each(['compatibility', 'calling'] as const)(
    'does not show again a %s call pushed onto the next page by a call created between the reads',
    async (api) => {
      const from = newCaller();
      const calls = seedThree(api, from);
      let reads = 0;
      stack.emulator.setPaging('offset', () => {
        if (reads++ > 0) return;
        const newer = { status: 'in-progress', ageSeconds: AGE[api], from } as const;
        if (api === 'compatibility') stack.emulator.seedCall(stack.projectId, newer);
        else stack.emulator.native.seed(stack.projectId, { ...newer, status: 'answered' });
      });
      // The voice logs filter on nothing but the creation time: a window of these calls keeps the listing short.
      const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString().slice(0, 19);
      const window = `startTimeAfter=${ago(AGE[api] + 60)}Z&startTimeBefore=${ago(AGE[api] - 60)}Z`;
      try {
        const pages = await everyPage(`api=${api}&from=${encodeURIComponent(from)}&pageSize=2&${window}`);
        const shown = pages.flatMap((page) => page.json.calls.map((call) => call.sid));

        expect(reads).toBeGreaterThan(1);
        expect(shown).toEqual(calls);
      } finally {
        stack.emulator.setPaging('cursor');
      }
    },
  );

  it('names the last call shown in its cursor by a digest, never by its SID', async () => {
    const from = newCaller();
    const [newest] = seedThree('compatibility', from);

    const page = await list(`api=compatibility&from=${encodeURIComponent(from)}&pageSize=1`);
    const text = openCursor(page.json.next_cursor ?? '')?.uri ?? '';

    expect(page.json.calls.map((call) => call.sid)).toEqual([newest]);
    expect(text).toMatch(/#[\w-]{11}$/);
    expect(text.toLowerCase()).not.toContain(String(newest).toLowerCase());
  });

  it('refuses a cursor whose anchor is not what this API writes with 400 naming cursor, and sends nothing', async () => {
    const from = newCaller();
    seedThree('compatibility', from);
    const page = await list(`api=compatibility&from=${encodeURIComponent(from)}&pageSize=1`);
    const [link, anchor] = (openCursor(page.json.next_cursor ?? '')?.uri ?? '').split('#');

    for (const bad of [`${anchor}A`, anchor?.slice(1), `${anchor?.slice(1)}!`, `${anchor}#${anchor}`, '']) {
      stack.emulator.clearRequests();
      const answer = await list(`cursor=${sealCursor(`${link}#${bad}`, key())}`);

      expect(answer.status, bad).toBe(400);
      expect(answer.json.error?.violations).toEqual([
        {
          field: 'cursor',
          rule: 'format',
          message: 'cursor must be a cursor this API returned (next_cursor)',
        },
      ]);
      expect(stack.emulator.requests).toHaveLength(0);
    }
  });

  it('still follows a cursor issued before cursors named the last call shown', async () => {
    const from = newCaller();
    const calls = seedThree('compatibility', from);
    const page = await list(`api=compatibility&from=${encodeURIComponent(from)}&pageSize=1`);
    const [link] = (openCursor(page.json.next_cursor ?? '')?.uri ?? '').split('#');

    const next = await list(`cursor=${sealCursor(link ?? '', key())}`);

    expect(next.status).toBe(200);
    expect(next.json.calls.map((call) => call.sid)).toEqual([calls[1]]);
  });
});
