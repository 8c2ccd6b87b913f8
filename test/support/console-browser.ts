import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '#local/chromium';
import { type LocalStack, startLocalStack } from '#local/local-stack';

/** Debian's Chromium as the console suites drive it (its path and flags: local/chromium.ts, shared with the bench). */
export { launchChromium };

/** What a console browser suite shares: the local stack, Debian's Chromium and the sign-in steps. */
export interface ConsoleBrowserSuite {
  readonly stack: LocalStack;
  readonly browser: Browser;
  newContext(width?: number): Promise<BrowserContext>;
  /**
   * Signs in; with `clock`, the page's timers run on Playwright's fake clock (which the test moves, and which also
   * flows with real time unless paused: a refresh of the page's own can come every 5 s); `prepare` runs on the
   * new page before it opens the console (a browser setting to emulate, say).
   */
  signIn(
    user: string,
    options?: {
      width?: number;
      clock?: boolean;
      context?: BrowserContext;
      prepare?: (page: Page) => Promise<void>;
    },
  ): Promise<Page>;
  /** Moves the page to `hash`, as a link would. */
  goTo(page: Page, hash: string): Promise<void>;
}

/**
 * Starts a local stack (its state in a fresh directory named after the suite) and Chromium before the suite's
 * tests, and stops both after them. Read `stack` and `browser` from a test or a later `beforeAll`.
 */
export const consoleBrowserSuite = (name: string): ConsoleBrowserSuite => {
  let stack: LocalStack | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    stack = await startLocalStack({ stateDir: mkdtempSync(join(tmpdir(), `${name}-`)) });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`${what} is not started yet: read it from a test or a beforeAll`);
    return value;
  };

  const suite: ConsoleBrowserSuite = {
    get stack() {
      return started(stack, 'the local stack');
    },
    get browser() {
      return started(browser, 'Chromium');
    },
    async newContext(width = 1280) {
      const context = await suite.browser.newContext({ viewport: { width, height: 800 } });
      context.setDefaultTimeout(15_000);
      return context;
    },
    async signIn(user, options = {}) {
      const context = options.context ?? (await suite.newContext(options.width));
      const page = await context.newPage();
      page.on('pageerror', (error) => {
        throw error;
      });
      if (options.clock) await page.clock.install();
      await options.prepare?.(page);
      await page.goto(suite.stack.consoleUrl);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Username').fill(user);
      await page.getByLabel('Password').fill(`local-${user}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Live calls' }).waitFor();
      await page.getByText(/\d+ live calls?/).waitFor();
      // The charts come last in a refresh, right before the next one is scheduled on the (fake) clock.
      await page.getByText('Calls ended today, by trigger').waitFor();
      return page;
    },
    // Returns once the console has handled the change (its hashchange listener, registered first, has run, and a
    // task after it): a fill right after the hash was set could reach the page being left, under load.
    async goTo(page, hash) {
      await page.evaluate(
        (to) =>
          new Promise<void>((resolve) => {
            const w = globalThis as unknown as {
              location: { hash: string };
              addEventListener(type: 'hashchange', listener: () => void, options: { once: true }): void;
              setTimeout(callback: () => void, ms: number): unknown;
            };
            const before = w.location.hash;
            w.addEventListener('hashchange', () => w.setTimeout(resolve, 0), { once: true });
            w.location.hash = to;
            if (w.location.hash === before) resolve();
          }),
        hash,
      );
    },
  };
  return suite;
};

/**
 * Waits until the live list has been drawn again after `move`: a refresh asks for the list, draws it, then asks for
 * the audit records of its chart (the page's fake clock has no performance entries to wait for). The chart's request
 * counts only after a list request made once `move` began: Playwright's installed clock still flows with real time,
 * so on a busy machine a refresh of the page's own (every 5 s) can be under way when the test moves the clock, and
 * its chart request, taken for the moved clock's, let a test look before the redraw it waits for.
 */
export const nextDraw = async (page: Page, move: () => Promise<unknown>): Promise<void> => {
  let listed = false;
  let off = (): void => {};
  const charted = new Promise<void>((resolve) => {
    const onRequest = (request: { url(): string }): void => {
      const url = request.url();
      if (url.includes('/console-api/calls?')) listed = true;
      else if (listed && url.includes('/console-api/audit?')) {
        off();
        resolve();
      }
    };
    off = () => page.off('request', onRequest);
    page.on('request', onRequest);
  });
  try {
    await move();
    await charted;
  } finally {
    off();
  }
};
