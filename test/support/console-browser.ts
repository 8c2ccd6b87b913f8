import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request, Response } from 'playwright-core';
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
   * Signs in; with `clock`, the page's timers run on Playwright's fake clock, paused before the page opens: its time
   * moves only when the test moves it (`fastForward`, `runFor`), so no refresh of the page's own (every 5 s) comes
   * between a test's steps. `prepare` runs on the new page before it opens the console (a browser setting to
   * emulate, say).
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
      if (options.clock) await pausedClock(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => {
        throw error;
      });
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
    // task after it): a fill right after the hash was set could reach the page being left, under load. The task is a
    // message's, not a timer's: a page signed in with `clock` runs its timers on a clock that stands still.
    async goTo(page, hash) {
      await page.evaluate(
        (to) =>
          new Promise<void>((resolve) => {
            interface Port {
              onmessage: (() => void) | null;
              postMessage(message: unknown): void;
            }
            const w = globalThis as unknown as {
              location: { hash: string };
              addEventListener(type: 'hashchange', listener: () => void, options: { once: true }): void;
              MessageChannel: new () => { port1: Port; port2: Port };
            };
            const before = w.location.hash;
            const later = () => {
              const channel = new w.MessageChannel();
              channel.port1.onmessage = () => resolve();
              channel.port2.postMessage(undefined);
            };
            w.addEventListener('hashchange', later, { once: true });
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
 * Installs Playwright's fake clock on the context and pauses it at the real time, before the context's page opens:
 * an installed clock otherwise flows with real time, and a refresh of the page's own, every 5 s, could come between a
 * test's `page.route` and the refresh the test moved the clock for, drawing an unrouted answer. With no page open, the
 * pause is only recorded, and every page the context opens starts from it: no margin ahead of the real time is needed
 * (`pauseAt` on an open page refuses a time its flowing clock has passed, which a margin of 2 s once stood in for,
 * leaving the page's time 2 s ahead of its sign-in). Signing in needs no timer of the page's (its answers are
 * fetches), so nothing waits on the stopped clock.
 */
const pausedClock = async (context: BrowserContext): Promise<void> => {
  if (context.pages().length > 0)
    throw new Error('a page signed in with `clock` needs a context with no page open yet');
  const now = Date.now();
  await context.clock.install({ time: now });
  await context.clock.pauseAt(now);
};

/** Set on the live page's charts as they are before a move: the draw `nextDraw` waits for replaces them. */
const DRAWN_BEFORE = 'data-drawn-before-move';

/**
 * Waits until the live list has been drawn again after `move`, to its end: a refresh asks for the list, draws it,
 * asks for the audit records of its chart, draws the charts (replacing the ones marked before `move`) and only then
 * schedules the next refresh on the page's clock. Waiting for less (the chart's request, as this once did) let a
 * test move the paused clock again before that refresh was scheduled: the move fired nothing and the wait for its
 * draw never ended. The draw counts only once a list request was made after `move` began; a refresh already under
 * way then (one an action asked for) could still be the one that replaces the charts, so move the clock after an
 * action's refresh is drawn. A list answer that fails (an error status, or no answer at all) draws no chart: that
 * fails at once, naming the answer, rather than at the test's timeout.
 */
export const nextDraw = async (page: Page, move: () => Promise<unknown>): Promise<void> => {
  const before = page.locator(`main .charts > [${DRAWN_BEFORE}]`);
  await page
    .locator('main .charts > *')
    .first()
    .evaluate((chart, name) => chart.setAttribute(name, ''), DRAWN_BEFORE);
  let sawList = (): void => {};
  let fail = (_error: Error): void => {};
  const listed = new Promise<void>((resolve) => {
    sawList = resolve;
  });
  const failed = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  // A failure while `move` is still being awaited is read once `move` is done, never left unhandled.
  failed.catch(() => undefined);
  const isList = (url: string) => url.includes('/console-api/calls?');
  const onRequest = (request: Request): void => {
    if (isList(request.url())) sawList();
  };
  const onResponse = (response: Response): void => {
    if (isList(response.url()) && !response.ok())
      fail(
        new Error(
          `the live list was answered ${response.status()} (${response.url()}): no redraw to wait for`,
        ),
      );
  };
  const onFailed = (request: Request): void => {
    if (isList(request.url()))
      fail(new Error(`the live list request failed (${request.failure()?.errorText}, ${request.url()})`));
  };
  page.on('request', onRequest);
  page.on('response', onResponse);
  page.on('requestfailed', onFailed);
  const off = () => {
    page.off('request', onRequest);
    page.off('response', onResponse);
    page.off('requestfailed', onFailed);
  };
  try {
    await move();
    await Promise.race([listed, failed]);
    await Promise.race([before.waitFor({ state: 'detached' }), failed]);
  } finally {
    off();
  }
};
