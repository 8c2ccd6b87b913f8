import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/local-stack';
import { consoleBrowserSuite } from '../support/console-browser.ts';

/**
 * A table's scroll region as a keyboard reaches it (Debian's Chromium, driven by playwright-core, against the local
 * stack): a Tab stop, named after its table, only while it scrolls, so a table that fits adds no useless stop; it
 * becomes one when the window narrows, the default font size grows or rows are drawn until it scrolls, and the arrow
 * keys then scroll it; it stops being one when it fits again.
 */

let stack: LocalStack;
const suite = consoleBrowserSuite('console-scroll-regions');
const { signIn } = suite;
const REGION = { name: 'Live calls: scroll area' } as const;

beforeAll(() => {
  stack = suite.stack;
  stack.emulator.seedCall(stack.projectId, {
    status: 'in-progress',
    ageSeconds: 30,
    to: `sip:${'t'.repeat(300)}@example.com`,
    callerName: 'Ann Lee',
  });
});

const tabIndexOf = (page: Page) => page.getByRole('region', REGION).getAttribute('tabindex');

/** The names of every stop Tab reaches from the page's main region to the end of the page (at most 40). */
const tabStops = async (page: Page): Promise<string[]> => {
  await page.evaluate(`document.getElementById('main').focus()`);
  const stops: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const stop = (await page.evaluate(
      `(() => {
        const e = document.activeElement;
        if (e === document.body) return '';
        return e.getAttribute('aria-label') ?? e.labels?.[0]?.textContent ?? e.textContent.trim().slice(0, 40);
      })()`,
    )) as string;
    if (stop === '' || stops.includes(stop)) break;
    stops.push(stop);
  }
  return stops;
};

describe('a table’s scroll region with the keyboard', { timeout: 90_000 }, () => {
  it('is no Tab stop while its table fits, and is one (named) while a narrower window makes it scroll, by the arrow keys', async () => {
    const page = await signIn('operator', { width: 1280 });
    expect(await tabIndexOf(page)).toBeNull();
    expect(await tabStops(page)).not.toContain(REGION.name);

    await page.setViewportSize({ width: 760, height: 800 });
    await expect.poll(() => tabIndexOf(page)).toBe('0');
    expect(await tabStops(page)).toContain(REGION.name);
    const region = page.getByRole('region', REGION);
    await region.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => region.evaluate((r) => r.scrollLeft)).toBeGreaterThan(0);

    // Wide again: while it holds the focus it stays a stop; once the focus leaves, it is none.
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => region.evaluate((r) => r.scrollWidth <= r.clientWidth)).toBe(true);
    // Two frames: the ResizeObserver has seen the region fit. Taking the stop from the focused region would drop the
    // keyboard to the document's start (the next Tab would land on the page's first control, not in the table).
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
    expect(await tabIndexOf(page)).toBe('0');
    expect(await page.evaluate(`document.activeElement?.getAttribute('aria-label')`)).toBe(REGION.name);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(`document.activeElement?.closest('.scroll') !== null`)).toBe(true);
    await expect.poll(() => tabIndexOf(page)).toBeNull();
    await page.context().close();
  });

  it('becomes a Tab stop when the browser’s default font size grows until the table scrolls, at 1920 px', async () => {
    const page = await signIn('operator', { width: 1920 });
    expect(await tabIndexOf(page)).toBeNull();
    // What Settings › Appearance › Font size sets in Chromium, on the open page.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 36, fixed: 32 } });
    await expect
      .poll(() => page.evaluate('getComputedStyle(document.documentElement).fontSize'))
      .toBe('36px');
    await expect.poll(() => tabIndexOf(page)).toBe('0');
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 16, fixed: 13 } });
    await expect.poll(() => tabIndexOf(page)).toBeNull();
    await page.context().close();
  });

  it('becomes a Tab stop when a refresh draws rows until the table scrolls down, and names it', async () => {
    const page = await signIn('operator', { width: 1280 });
    expect(await tabIndexOf(page)).toBeNull();
    for (let i = 0; i < 40; i++)
      stack.emulator.seedCall(stack.projectId, { status: 'ringing', ageSeconds: 5 + i });
    await page.getByText('41 live calls').waitFor({ timeout: 20_000 });
    await expect.poll(() => tabIndexOf(page)).toBe('0');
    const region = page.getByRole('region', REGION);
    expect(await region.evaluate((r) => r.scrollHeight > r.clientHeight)).toBe(true);
    await region.focus();
    await page.keyboard.press('PageDown');
    await expect.poll(() => region.evaluate((r) => r.scrollTop)).toBeGreaterThan(0);
    await page.context().close();
  });
});
