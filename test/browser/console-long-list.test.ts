import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '#commons/signalwire/types';
import type { LocalStack } from '#local/local-stack';
import { consoleBrowserSuite, launchChromium, nextDraw } from '../support/console-browser.ts';

/**
 * A long live list with a mouse and a keyboard (Debian's Chromium, driven by playwright-core, against the local
 * stack): halfway down a list of 150 calls, the table's sideways scrollbar is on screen and drags, its column names
 * stay at its top, the keys scroll it both ways; only the durations in its visible part tick, and a row scrolled into
 * it shows its duration at once; when the row holding the keyboard's focus leaves the list, the focus goes to the
 * same control in the next row (the row above, from the last), or to the row redrawn, never to the top of the page.
 */

let stack: LocalStack;
const suite = consoleBrowserSuite('console-long-list');
const { signIn } = suite;
let long: Call[];

beforeAll(() => {
  stack = suite.stack;
  long = Array.from({ length: 150 }, (_, i) =>
    stack.emulator.seedCall(stack.projectId, { status: 'queued', ageSeconds: 50 + i }),
  );
});

const REGION = { name: 'Live calls: scroll area' } as const;

/** The focused element's accessible name (its `aria-label`, else its text), or `#id` when it has an id. */
const focused = (page: Page) =>
  page.evaluate(`(() => {
    const e = document.activeElement;
    return e.id ? '#' + e.id : (e.getAttribute('aria-label') ?? e.textContent);
  })()`) as Promise<string>;

const parse = (shown: string | null): number => {
  const [, h = '0', m = '0', s = '0'] = /^(?:(\d+)h )?(?:(\d+)m )?(\d+)s$/.exec(shown ?? '') ?? [];
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
};

describe('a long live list, with a mouse and the keyboard', { timeout: 90_000 }, () => {
  it('keeps the sideways scrollbar on screen halfway down the list at 1024 px, and dragging it scrolls the table', async () => {
    // A browser that draws its scrollbars, as a desktop's does (the suite's, headless, hides them).
    const browser = await launchChromium({ ignoreDefaultArgs: ['--hide-scrollbars'] });
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    const page = await signIn('operator', { context });
    const region = page.getByRole('region', REGION);
    await page.getByRole('link', { name: (long[75] as Call).sid }).scrollIntoViewIfNeeded();
    const box = (await page.evaluate(
      `(() => {
        const r = document.querySelector('main .scroll');
        const box = r.getBoundingClientRect();
        return {
          wide: r.scrollWidth > r.clientWidth,
          bar: r.offsetHeight - r.clientHeight - r.clientTop * 2,
          left: box.left, right: box.right, bottom: box.bottom - r.clientTop, screen: innerHeight,
        };
      })()`,
    )) as { wide: boolean; bar: number; left: number; right: number; bottom: number; screen: number };
    const { wide, bar, left, right, bottom, screen } = box;
    expect(wide).toBe(true);
    expect(bar).toBeGreaterThan(0);
    // The scrollbar's band, the region's last `bar` pixels, is inside the window.
    expect(bottom).toBeLessThanOrEqual(screen);
    const y = bottom - bar / 2;
    await page.mouse.move(left + bar * 2, y);
    await page.mouse.down();
    await page.mouse.move(right - bar * 4, y, { steps: 5 });
    await page.mouse.up();
    expect(await region.evaluate((r) => r.scrollLeft)).toBeGreaterThan(0);
    await browser.close();
  });

  it('keeps the column names at the top of the table while its rows scroll, at 1024 px', async () => {
    const page = await signIn('operator', { width: 1024 });
    const region = page.getByRole('region', REGION);
    await region.evaluate((r) => {
      r.scrollTop = 3_000;
    });
    const [top, head] = (await page.evaluate(
      `(() => {
        const r = document.querySelector('main .scroll');
        return [r.getBoundingClientRect().top + r.clientTop, r.querySelector('th').getBoundingClientRect().top];
      })()`,
    )) as [number, number];
    expect(await region.evaluate((r) => r.scrollTop)).toBe(3_000);
    expect(Math.round(head)).toBe(Math.round(top));
    await page.context().close();
  });

  it('keeps a line under the stuck column names under forced colours, where box shadows are dropped', async () => {
    const page = await signIn('operator', {
      width: 1024,
      prepare: (opened) => opened.emulateMedia({ forcedColors: 'active' }),
    });
    const region = page.getByRole('region', REGION);
    await region.evaluate((r) => {
      r.scrollTop = 3_000;
    });
    // The header row's bottom pixel row against a pixel row of its padding just above (plain Canvas): with no line,
    // the two are the same picture; with it, they differ.
    const clip = (await page.evaluate(
      `(() => {
        const first = document.querySelector('main th').getBoundingClientRect();
        const region = document.querySelector('main .scroll').getBoundingClientRect();
        const x = Math.ceil(first.left) + 2;
        return { x, y: Math.round(first.bottom) - 1, width: Math.floor(region.right) - 4 - x, height: 1 };
      })()`,
    )) as { x: number; y: number; width: number; height: number };
    const line = await page.screenshot({ clip });
    const padding = await page.screenshot({ clip: { ...clip, y: clip.y - 3 } });
    expect(line.equals(padding)).toBe(false);
    await page.context().close();
  });

  it('prints every row of a long table: the region is capped at the window only on a screen', async () => {
    const page = await signIn('operator', {
      width: 1024,
      prepare: (opened) => opened.emulateMedia({ media: 'print' }),
    });
    const region = page.getByRole('region', REGION);
    await region.waitFor();
    const [scrollHeight, clientHeight] = await region.evaluate((r) => [r.scrollHeight, r.clientHeight]);
    expect(scrollHeight).toBeGreaterThan(2_000);
    expect(clientHeight).toBe(scrollHeight);
    await page.context().close();
  });

  it('scrolls the table down and sideways with the keys once it has the focus', async () => {
    const page = await signIn('operator', { width: 1024 });
    const region = page.getByRole('region', REGION);
    // Focusing it scrolls the window to it; the keys after that move the table only.
    await region.focus();
    const y = await page.evaluate('scrollY');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => region.evaluate((r) => [r.scrollTop > 0, r.scrollLeft > 0]))
      .toEqual([true, true]);
    // The window itself did not move: the keys went to the table.
    expect(await page.evaluate('scrollY')).toBe(y);
    await page.context().close();
  });

  it('keeps rows as cards in the page’s own flow at 360 px: no inner scrolling there', async () => {
    const page = await signIn('operator', { width: 360 });
    const region = page.getByRole('region', REGION);
    expect(await region.evaluate((r) => r.scrollHeight <= r.clientHeight)).toBe(true);
    await page.context().close();
  });

  it('ticks only the rows in the table’s visible part, and a row scrolled into it shows its duration at the next frame', async () => {
    const page = await signIn('viewer', { clock: true });
    const region = page.getByRole('region', REGION);
    const rows = page.locator('main tbody tr');
    // Only the table scrolls (to its end): the rows above its visible part are still inside the window.
    await region.evaluate((r) => {
      r.scrollTop = r.scrollHeight;
    });
    expect(await page.evaluate('scrollY')).toBe(0);
    const [hiddenAt, shownAt] = (await page.evaluate(`(() => {
      const r = document.querySelector('main .scroll');
      const band = r.getBoundingClientRect().top + r.clientTop + r.querySelector('thead').offsetHeight;
      const all = [...r.querySelectorAll('tbody tr')].map((tr) => tr.getBoundingClientRect());
      return [
        all.findIndex((box) => box.top >= 0 && box.bottom < band - 1),
        all.findIndex((box) => box.top > band && box.bottom < innerHeight),
      ];
    })()`)) as [number, number];
    expect(hiddenAt).toBeGreaterThanOrEqual(0);
    expect(shownAt).toBeGreaterThan(hiddenAt);
    const hidden = rows.nth(hiddenAt);
    const shown = rows.nth(shownAt);
    const text = (row: Locator) => row.locator('.duration').textContent();
    const before = { hidden: await text(hidden), shown: parse(await text(shown)) };
    // Time stands still but when the test moves it (signIn paused it): two seconds of ticks.
    await page.clock.fastForward(2_000);
    expect(parse(await text(shown))).toBeGreaterThanOrEqual(before.shown + 2);
    // Hidden by the table's own scrolling, though inside the window: it did not tick.
    expect(await text(hidden)).toBe(before.hidden);
    // Just after a tick, so the next is most of a second away.
    const ticked = await text(shown);
    for (let step = 0; step < 80 && (await text(shown)) === ticked; step++) await page.clock.runFor(20);
    expect(await text(shown)).not.toBe(ticked);
    // Scrolls the table (only) so that the hidden row is in the middle of its visible part.
    await page.evaluate(`(() => {
      const r = document.querySelector('main .scroll');
      const tr = r.querySelectorAll('tbody tr')[${hiddenAt}];
      const box = r.getBoundingClientRect();
      const middle = (Math.max(0, box.top) + Math.min(box.bottom, innerHeight)) / 2;
      r.scrollTop += tr.getBoundingClientRect().top - middle;
    })()`);
    // The browser sends the scroll event at its next rendering (real time); then one animation frame of the page.
    await page.waitForTimeout(200);
    await page.clock.runFor(20);
    expect(parse(await text(hidden))).toBeGreaterThanOrEqual(parse(before.hidden) + 2);
    await page.context().close();
  });
});

describe('the keyboard’s place when the live list is drawn again', { timeout: 90_000 }, () => {
  /** Three or four calls of this test only, newest first; the list's answers leave out those in `gone`. */
  const only = async (page: Page, calls: Call[], gone: Set<string>, changed = new Map<string, string>()) => {
    const sids = new Set(calls.map((c) => c.sid));
    await page.route('**/console-api/calls?*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { calls: Call[] };
      const kept = body.calls
        .filter((c) => sids.has(c.sid) && !gone.has(c.sid))
        .map((c) => ({ ...c, status: changed.get(c.sid) ?? c.status }));
      await route.fulfill({ response, json: { ...body, calls: kept } });
    });
    await nextDraw(page, () => page.clock.fastForward(5_000));
  };

  it('moves to the same control in the next row when its row leaves, the row above from the last, the redrawn row’s when it changed, and main when none is left', async () => {
    const [a, b, c, d] = [10, 20, 30, 40].map((ageSeconds) =>
      stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds }),
    ) as [Call, Call, Call, Call];
    const page = await signIn('operator', { clock: true });
    const gone = new Set<string>();
    const changed = new Map<string, string>();
    await only(page, [a, b, c, d], gone, changed);
    const refresh = () => nextDraw(page, () => page.clock.fastForward(5_000));

    // The link to a call: the next row's link.
    await page.getByRole('link', { name: b.sid }).focus();
    gone.add(b.sid);
    await refresh();
    expect(await focused(page)).toBe(c.sid);

    // End: the next row's End.
    await page.getByRole('button', { name: `End ${c.sid}` }).focus();
    gone.add(c.sid);
    await refresh();
    expect(await focused(page)).toBe(`End ${d.sid}`);

    // End in the last row: the End of the row above it.
    gone.add(d.sid);
    await refresh();
    expect(await focused(page)).toBe(`End ${a.sid}`);

    // The row is drawn again (its call changed): its new End button.
    await page.evaluate(`document.activeElement.dataset.old = 'yes'`);
    changed.set(a.sid, 'ringing');
    await refresh();
    expect(await page.getByRole('row').filter({ hasText: a.sid }).locator('.status').textContent()).toBe(
      'ringing',
    );
    expect(await focused(page)).toBe(`End ${a.sid}`);
    expect(await page.evaluate(`document.activeElement.dataset.old ?? 'new'`)).toBe('new');

    // Nothing left: the page's main region (never the top of the document).
    gone.add(a.sid);
    await refresh();
    expect(await focused(page)).toBe('#main');
    await page.context().close();
  });

  it('gives the focus to the next row’s End when a confirmation closes after its row left the list', async () => {
    const [a, b] = [10, 20].map((ageSeconds) =>
      stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds }),
    ) as [Call, Call];
    const page = await signIn('operator', { clock: true });
    const gone = new Set<string>();
    await only(page, [a, b], gone);
    await page.getByRole('button', { name: `End ${a.sid}` }).click();
    await page.getByRole('dialog').waitFor();
    gone.add(a.sid);
    await nextDraw(page, () => page.clock.fastForward(5_000));
    // The row has left the list (the chart's request can come before the list is drawn again).
    await page.getByRole('link', { name: a.sid }).waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    // A closed dialog leaves the accessibility tree at once; its `close` event, which places the focus, comes a
    // task later: wait for the focus to arrive rather than read it in between.
    await expect.poll(() => focused(page)).toBe(`End ${b.sid}`);
    await page.context().close();
  });
});
