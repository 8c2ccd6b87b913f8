import { existsSync } from 'node:fs';
import type { Browser as PlaywrightBrowser } from 'playwright-core';
import type { Browser as PuppeteerBrowser, Page as PuppeteerPage } from 'puppeteer-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '#local/chromium';

/**
 * The few things the console's cross-browser checks ask of a browser, so one scenario runs in Debian's Chromium
 * (through playwright-core) and in Debian's Firefox ESR (through puppeteer-core over WebDriver BiDi) alike. Page
 * scripts are source strings (this project's tests are type-checked without the DOM library), and elements are
 * found by CSS selectors, which both drivers take as they are.
 */
export interface EnginePage {
  goto(url: string): Promise<void>;
  /** The value of a page expression (source), awaited when it is a promise. */
  evaluate<T>(expression: string): Promise<T>;
  /** Waits until a page expression (source) is truthy. */
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  click(selector: string): Promise<void>;
  /** Two clicks in a row as a mouse's double click makes them (two `click` events, then a `dblclick`). */
  dblclick(selector: string): Promise<void>;
  type(selector: string, text: string): Promise<void>;
  /** A key as both drivers name it (`Tab`, `Enter`, `Escape`, `ArrowRight`), pressed on the focused element. */
  press(key: string): Promise<void>;
  setViewport(width: number, height?: number): Promise<void>;
}

/** Pages sharing one browser profile (storage, Web Locks), as tabs of one window do; closed together. */
export interface EngineContext {
  /** A new tab; `beforeLoad` (source) runs in every document it loads before the page's own scripts. */
  newPage(options?: { width?: number; height?: number; beforeLoad?: string }): Promise<EnginePage>;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: string;
  /** Why the browser cannot run here (not installed), or undefined when it can. */
  missing(): string | undefined;
  launch(): Promise<void>;
  newContext(): Promise<EngineContext>;
  close(): Promise<void>;
}

const TIMEOUT_MS = 15_000;
const HEIGHT = 800;

/**
 * Polls a page expression from outside the page until it is truthy: a driver's own wait evaluates the source in the
 * page (`eval`, or `new Function`), which the console's Content-Security-Policy refuses in Chromium.
 */
const pollUntil = async (
  evaluate: (expression: string) => Promise<unknown>,
  expression: string,
  timeout: number,
): Promise<void> => {
  const until = Date.now() + timeout;
  for (;;) {
    try {
      if (await evaluate(expression)) return;
    } catch (error) {
      // A page between documents (a sign-in redirect) has no context to evaluate in for a moment.
      if (Date.now() > until) throw error;
    }
    if (Date.now() > until) throw new Error(`waited ${timeout} ms for: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** Debian's Chromium through playwright-core, as every other console suite drives it. */
export const chromiumEngine = (): Engine => {
  let browser: PlaywrightBrowser | undefined;
  const path = CHROMIUM_PATH;
  return {
    name: 'Chromium',
    missing: () =>
      existsSync(path) ? undefined : `Chromium is needed at ${path} (apt-get install -y chromium)`,
    async launch() {
      browser = await launchChromium();
    },
    async newContext() {
      if (!browser) throw new Error('Chromium is not launched');
      const context = await browser.newContext({ viewport: { width: 1280, height: HEIGHT } });
      context.setDefaultTimeout(TIMEOUT_MS);
      return {
        async newPage({ width = 1280, height = HEIGHT, beforeLoad } = {}) {
          const page = await context.newPage();
          page.on('pageerror', (error) => {
            throw error;
          });
          await page.setViewportSize({ width, height });
          if (beforeLoad) await page.addInitScript(beforeLoad);
          return {
            goto: async (url) => void (await page.goto(url)),
            evaluate: <T>(expression: string) => page.evaluate(expression) as Promise<T>,
            waitFor: (expression, timeout = TIMEOUT_MS) =>
              pollUntil((e) => page.evaluate(e), expression, timeout),
            click: (selector) => page.click(selector),
            dblclick: (selector) => page.dblclick(selector),
            type: (selector, text) => page.fill(selector, text),
            press: (key) => page.keyboard.press(key),
            setViewport: (w, h = HEIGHT) => page.setViewportSize({ width: w, height: h }),
          };
        },
        close: () => context.close(),
      };
    },
    close: async () => browser?.close(),
  };
};

/**
 * Debian's Firefox ESR (`apt-get install -y firefox-esr`) through puppeteer-core over WebDriver BiDi: the stock
 * browser, nothing downloaded, a fresh profile per launch. `prefs` are Firefox preferences (a default font size).
 */
export const firefoxEngine = (prefs: Record<string, unknown> = {}): Engine => {
  let browser: PuppeteerBrowser | undefined;
  const path = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
  return {
    name: 'Firefox',
    missing: () =>
      existsSync(path) ? undefined : `Firefox is needed at ${path} (apt-get install -y firefox-esr)`,
    async launch() {
      const puppeteer = (await import('puppeteer-core')).default;
      browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: path,
        protocol: 'webDriverBiDi',
        headless: true,
        extraPrefsFirefox: prefs,
      });
    },
    async newContext() {
      if (!browser) throw new Error('Firefox is not launched');
      const context = await browser.createBrowserContext();
      return {
        async newPage({ width = 1280, height = HEIGHT, beforeLoad } = {}) {
          const page: PuppeteerPage = await context.newPage();
          page.setDefaultTimeout(TIMEOUT_MS);
          page.on('pageerror', (error: unknown) => {
            // Firefox asks every page for /favicon.ico and reports the sign-in page's CSP refusing it as an error.
            if (/^Content-Security-Policy: .*\/favicon\.ico /.test(String((error as Error).message))) return;
            throw error;
          });
          await page.setViewport({ width, height });
          if (beforeLoad) await page.evaluateOnNewDocument(beforeLoad);
          return {
            goto: async (url) => void (await page.goto(url)),
            evaluate: <T>(expression: string) => page.evaluate(expression) as Promise<T>,
            waitFor: (expression, timeout = TIMEOUT_MS) =>
              pollUntil((e) => page.evaluate(e), expression, timeout),
            click: (selector) => page.click(selector),
            dblclick: (selector) => page.click(selector, { count: 2 }),
            type: async (selector, text) => {
              await page.click(selector);
              await page.keyboard.type(text);
            },
            press: (key) => page.keyboard.press(key as Parameters<PuppeteerPage['keyboard']['press']>[0]),
            setViewport: (w, h = HEIGHT) => page.setViewport({ width: w, height: h }),
          };
        },
        close: () => context.close(),
      };
    },
    close: async () => browser?.close(),
  };
};

/** Whether every browser's checks must run: under CI (`CI` or `CONSOLE_BROWSERS_REQUIRED=1`, as `.ci/run` sets). */
export const BROWSERS_REQUIRED = Boolean(process.env.CI) || process.env.CONSOLE_BROWSERS_REQUIRED === '1';

/**
 * A block of checks in `engine`, which it launches before them and closes after. When the browser is not installed:
 * under CI (`required`) the block fails, saying so; elsewhere it is skipped, and a warning names the block, what is
 * missing and how to install it. Returns the warning when it skipped the block.
 */
export const describeInEngine = (
  engine: Engine,
  title: string,
  body: () => void,
  required = BROWSERS_REQUIRED,
): string | undefined => {
  const missing = engine.missing();
  if (missing && !required) {
    const warning = `skipping ${title}: ${missing} (README, "Operator console", Tests)`;
    console.warn(warning);
    describe.skip(`${title} (${engine.name} is not installed)`, () => {
      it('needs the browser', () => undefined);
    });
    return warning;
  }
  describe(title, { timeout: 90_000 }, () => {
    beforeAll(async () => {
      if (missing) throw new Error(`${missing}: CI runs every browser's checks (.ci/run installs it)`);
      await engine.launch();
    }, 90_000);
    afterAll(() => engine.close());
    body();
  });
  return undefined;
};
