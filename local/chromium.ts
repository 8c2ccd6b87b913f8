/**
 * Debian's Chromium as every local run of the console drives it (the browser suites and the console bench): one
 * path and one set of launch flags, so a flag added for one (a network call a headless run should not make) is not
 * missing from the other.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';

/** Where Chromium is: `CHROMIUM_PATH`, else Debian's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * No sandbox (root in a container), no GPU, and none of the browser's own traffic (QUIC, background and component
 * updates, sync, first-run pages), so a run measures and tests the console alone.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches that Chromium. Playwright hides scrollbars in a headless browser; pass
 * `ignoreDefaultArgs: ['--hide-scrollbars']` for one that draws them (and gives them room) as a desktop's does.
 */
export const launchChromium = (options: LaunchOptions = {}): Promise<Browser> => {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium is needed at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], ...options });
};
