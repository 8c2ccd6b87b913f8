import { beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '#commons/signalwire/types';
import type { LocalStack } from '#local/local-stack';
import { consoleBrowserSuite } from '../support/console-browser.ts';
import { DIALOG_OVERFLOW, hiddenTableText, tablesFit } from '../support/console-layout.ts';

/**
 * The console's layout (Debian's Chromium, driven by playwright-core, against the local stack), measured rather than
 * looked at: at every width from a phone's to a wide desktop's, beside hostile outside values (URLs and SIP addresses
 * thousands of characters long, right-to-left names, long words, calls a month and a year old), no text of the live
 * calls table is hidden under the sticky End column where scrolling cannot reach it, or cut off; at 1280 px the table
 * needs no scrolling; a raised default font size, a 2x screen and forced colours keep it so; every page fits a 320 px
 * phone; a confirmation's facts stack there.
 */

let stack: LocalStack;
const suite = consoleBrowserSuite('console-layout');
const { signIn } = suite;
let seeded: Call[];
/** A call answered 2 h ago less two seconds: its duration is one of the longest an hour's calls show. */
let twoHours: Call;
/** When `twoHours` was seeded (its age then was 7,198 s): its duration grows with the suite's run time. */
let seededAt: number;

beforeAll(() => {
  stack = suite.stack;
  const long = (c: string) => c.repeat(600);
  const live = (init: Partial<Parameters<LocalStack['emulator']['seedCall']>[1]>): Call =>
    stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, ...init });
  seededAt = Date.now();
  twoHours = live({ ageSeconds: 7_198, to: '+13105550101', callerName: 'Ann Lee' });
  seeded = [
    twoHours,
    live({
      to: `sip:${long('t')}@example.com`,
      from: `https://example.com/${long('f')}`,
      callerName: long('n'),
    }),
    // Words of 19 letters: under what counts as one unbroken run, each as wide as three ordinary names.
    live({ callerName: 'Wwwwwwwwwwwwwwwwwww Mmmmmmmmmmmmmmmmmmm', from: 'mmmmmmmmmmmmmmmmmmm@example.com' }),
    live({ callerName: 'مركز الاتصال الرئيسي للعملاء في المنطقة الشرقية', to: '+966555000111' }),
    // A call 1,111 hours old (a stuck leg, or a clock gone wrong): its duration has four digits of hours.
    live({ ageSeconds: 3_999_999, to: '+13105550199' }),
    // Over a year (11111h 11m 11s): no fixed box holds it.
    live({ ageSeconds: 40_000_271, to: '+13105550198' }),
    live({ status: 'ringing', ageSeconds: 20, to: '+13105550104' }),
  ];
});

const ready = async (page: Awaited<ReturnType<typeof signIn>>) => {
  for (const call of seeded) await page.getByRole('link', { name: call.sid }).waitFor();
  // Every duration ticked at least once.
  await expect
    .poll(() => page.locator('main .duration').evaluateAll((spans) => spans.every((s) => s.textContent)))
    .toBe(true);
};

describe('the console’s layout at every width and font size, beside hostile values', {
  timeout: 90_000,
}, () => {
  for (const width of [320, 360, 640, 768, 1024, 1280, 1440, 1920]) {
    it(`hides no cell's text under the sticky End column, nor cuts any off, at ${width} px`, async () => {
      const page = await signIn('operator', { width });
      await ready(page);
      expect(await hiddenTableText(page)).toEqual([]);
      await page.context().close();
    });
  }

  for (const width of [1280, 1920]) {
    it(`shows every column, "Duration" and a two-hour duration whole, at ${width} px without sideways scrolling`, async () => {
      const page = await signIn('operator', { width });
      await ready(page);
      expect(await tablesFit(page)).toBe(true);
      const row = page.getByRole('row').filter({ hasText: twoHours.sid });
      // Only rows on screen tick: this one is drawn far below the region's visible part (under the tall rows of long
      // values), where its duration stays as it was drawn, seconds before this read on a loaded machine. Scrolled
      // into view, it shows its call's age now.
      await row.scrollIntoViewIfNeeded();
      await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
      // The call's age when read: 7,198 s at seeding plus the suite's time since (a loaded machine reaches this
      // test minutes later), give or take a few seconds (the start time is whole seconds, the console ticks each second from its own load).
      const before = Date.now();
      const shown = (await row.locator('.duration').textContent()) ?? '';
      const after = Date.now();
      const [, h, m, s] = /^(\d+)h (\d+)m (\d+)s$/.exec(shown) ?? [];
      expect(h, `duration "${shown}"`).toBeDefined();
      const seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
      expect(seconds).toBeGreaterThanOrEqual(7_198 + Math.floor((before - seededAt) / 1000) - 5);
      expect(seconds).toBeLessThanOrEqual(7_198 + Math.ceil((after - seededAt) / 1000) + 5);
      expect(await hiddenTableText(page)).toEqual([]);
      await page.context().close();
    });
  }

  it('ends a card’s duration at its right edge like every other value, at 360 px', async () => {
    const page = await signIn('operator', { width: 360 });
    await ready(page);
    const row = page.getByRole('row').filter({ hasText: twoHours.sid });
    // Where the text itself ends (a Range over the cell's text), not its box.
    const ends = await row.evaluate((tr) =>
      ['To', 'Duration'].map((label) => {
        const cell = tr.querySelector(`td[data-label="${label}"]`) as unknown as { lastChild: unknown };
        const doc = (
          globalThis as unknown as {
            document: {
              createRange(): {
                selectNodeContents(n: unknown): void;
                getBoundingClientRect(): { right: number };
              };
            };
          }
        ).document;
        const range = doc.createRange();
        range.selectNodeContents(cell.lastChild);
        return Math.round(range.getBoundingClientRect().right);
      }),
    );
    expect(ends[1]).toBe(ends[0]);
    await page.context().close();
  });

  it('keeps a line at the sticky End column’s left edge under forced colours (which drop its shadow), at 1024 px', async () => {
    const page = await signIn('operator', { width: 1024 });
    await ready(page);
    await page.emulateMedia({ forcedColors: 'active', colorScheme: 'dark' });
    const edges = await page.evaluate(`[...document.querySelectorAll('main tr > :last-child')].map((cell) => {
      const line = getComputedStyle(cell, '::before');
      const box = cell.getBoundingClientRect();
      return line.content !== 'none' && line.borderLeftStyle === 'solid' && parseFloat(line.borderLeftWidth) >= 1
        && line.borderLeftColor === getComputedStyle(document.body).color && line.position === 'absolute'
        && getComputedStyle(cell).position === 'sticky' && box.width > 0;
    })`);
    expect(edges).toEqual(Array.from({ length: seeded.length + 1 }, () => true));
    await page.context().close();
  });

  it('follows the browser’s default font size (24 px), and hides no text at 1280 px with it', async () => {
    const page = await signIn('operator', {
      // What Settings › Appearance › Font size sets in Chromium.
      prepare: async (opened) => {
        const cdp = await opened.context().newCDPSession(opened);
        await cdp.send('Page.setFontSizes', { fontSizes: { standard: 24, fixed: 20 } });
      },
    });
    await ready(page);
    expect(await page.evaluate('getComputedStyle(document.documentElement).fontSize')).toBe('24px');
    expect(await hiddenTableText(page)).toEqual([]);
    await page.context().close();
  });

  it('lays out the same at device scale factor 2 (a 2x screen) at 1280 px', async () => {
    const context = await suite.browser.newContext({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 2,
    });
    const page = await signIn('operator', { context });
    await ready(page);
    expect(await tablesFit(page)).toBe(true);
    expect(await hiddenTableText(page)).toEqual([]);
    await context.close();
  });

  // 32 px: a reader's own larger size (Settings › Appearance › Customize fonts), not one of the presets.
  for (const font of [16, 24, 32]) {
    it(`fits every page in 320 px with no sideways scroll, at a ${font} px default font size`, async () => {
      const page = await signIn('admin', {
        width: 320,
        prepare: async (opened) => {
          const cdp = await opened.context().newCDPSession(opened);
          await cdp.send('Page.setFontSizes', { fontSizes: { standard: font, fixed: font - 3 } });
        },
      });
      await ready(page);
      const wide = () => page.evaluate('document.documentElement.scrollWidth');
      const widths: Record<string, unknown> = { calls: await wide() };
      await suite.goTo(page, `#/calls/${twoHours.sid}`);
      await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
      widths.call = await wide();
      await suite.goTo(page, '#/end-all');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByRole('heading', { name: /calls? match/ }).waitFor();
      widths['end-all'] = await wide();
      await suite.goTo(page, '#/audit');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText(/\d+ records?/).waitFor();
      widths.audit = await wide();
      await suite.goTo(page, '#/cleanup');
      await page.getByRole('button', { name: 'Dry run' }).waitFor();
      widths.cleanup = await wide();
      expect(widths).toEqual({ calls: 320, call: 320, 'end-all': 320, audit: 320, cleanup: 320 });
      await page.context().close();
    });
  }

  it('stacks a confirmation’s facts at 320 px and a 24 px font, so its numbers and kind are not broken', async () => {
    const page = await signIn('operator', {
      width: 320,
      prepare: async (opened) => {
        const cdp = await opened.context().newCDPSession(opened);
        await cdp.send('Page.setFontSizes', { fontSizes: { standard: 24, fixed: 21 } });
      },
    });
    await ready(page);
    await page.getByRole('button', { name: `End ${twoHours.sid}` }).click();
    const facts = page.getByRole('dialog').getByRole('definition');
    await facts.first().waitFor();
    // Lines of each value's text: Kind, From and To ("Compatibility", "+14155550100", "+13105550101"). A range's
    // client rects hold one per line of text and one per inline element (the `<bdi>` that isolates outside text),
    // so the lines are the distinct tops among them.
    const lines = await facts.evaluateAll((values) =>
      values.slice(1, 4).map((dd) => {
        const doc = (
          globalThis as unknown as {
            document: {
              createRange(): {
                selectNodeContents(n: unknown): void;
                getClientRects(): ArrayLike<{ top: number; height: number }>;
              };
            };
          }
        ).document;
        const range = doc.createRange();
        range.selectNodeContents(dd);
        const tops = Array.from(range.getClientRects(), (rect) => Math.round(rect.top));
        return new Set(tops).size;
      }),
    );
    expect(lines).toEqual([1, 1, 1]);
    await page.keyboard.press('Escape');
    await page.context().close();
  });

  // 320 px at a 40 or 48 px default size: 1280 px at 400 % zoom, and beyond (WCAG 1.4.10, reflow).
  for (const font of [40, 48]) {
    it(`fits the End confirmation in 320 px at a ${font} px default font size, beside the longest values, and ends the call`, async () => {
      const hostile = stack.emulator.seedCall(stack.projectId, {
        status: 'in-progress',
        ageSeconds: 12,
        to: `sip:${'\u202e'.repeat(40)}${'t'.repeat(4000)}@example.com`,
        from: `https://example.com/${'f'.repeat(4000)}`,
        callerName: 'W'.repeat(2000),
      });
      const page = await signIn('operator', {
        width: 320,
        prepare: async (opened) => {
          const cdp = await opened.context().newCDPSession(opened);
          await cdp.send('Page.setFontSizes', { fontSizes: { standard: font, fixed: font - 3 } });
        },
      });
      const end = page.getByRole('button', { name: `End ${hostile.sid}` });
      await end.scrollIntoViewIfNeeded();
      await end.click();
      const dialog = page.getByRole('dialog', { name: 'End this call?' });
      await dialog.waitFor();
      expect(await page.evaluate(DIALOG_OVERFLOW)).toEqual([]);
      // Usable: the confirming button scrolls into view inside the dialog and ends the call.
      await dialog.getByRole('button', { name: 'End call' }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toBe(`Call ${hostile.sid} is completed.`);
      expect(stack.emulator.getCall(stack.projectId, hostile.sid)?.status).toBe('completed');
      await page.context().close();
    });
  }
});
