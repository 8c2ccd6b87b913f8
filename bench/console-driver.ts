/**
 * Run by bench/console.ts in a child process (the local stack points the AWS SDK at loopback through the
 * environment): starts the local stack with calls seeded as `npm start` does, signs in to the console in
 * Chromium `runs` times, and prints, as JSON, how long after the console page's navigation began the live
 * calls were on screen (the page's `live-calls-painted` mark: config, code exchange and the listing included).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../local/chromium.ts';
import { startLocalStack } from '../local/local-stack.ts';

const runs = Number(process.argv[2] ?? 7);
const stack = await startLocalStack({ stateDir: mkdtempSync(join(tmpdir(), 'bench-console-')) });
for (const [status, ageSeconds] of [
  ['in-progress', 45],
  ['in-progress', 600],
  ['in-progress', 7_200],
  ['ringing', 20],
  ['queued', 5],
] as const) {
  stack.emulator.seedCall(stack.projectId, { status, ageSeconds });
}
// The browser suites' Chromium, flags and all: what is measured is what is tested.
const browser = await launchChromium();
const paints: number[] = [];
try {
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(stack.consoleUrl);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill('viewer');
    await page.getByLabel('Password').fill('local-viewer');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => performance.getEntriesByName('live-calls-painted').length > 0);
    paints.push(
      await page.evaluate(() => performance.getEntriesByName('live-calls-painted')[0]?.startTime ?? -1),
    );
    await context.close();
  }
} finally {
  await browser.close();
  await stack.stop();
}
console.log(JSON.stringify({ paints }));
