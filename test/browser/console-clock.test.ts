import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/local-stack';
import { consoleBrowserSuite, nextDraw } from '../support/console-browser.ts';

/**
 * The time the console's browser suites give a page (Debian's Chromium, driven by playwright-core, against the local
 * stack): a page signed in with `clock` stands still until the test moves its clock, a wait for the next draw lasts
 * until the draw is done (so the next move finds the next refresh scheduled), and one that a failed list answer will
 * never bring fails at once, saying which answer; `goTo` (which waits a task, not a timer) still returns.
 */

let stack: LocalStack;
const suite = consoleBrowserSuite('console-clock');
const { signIn, goTo } = suite;
beforeAll(() => {
  stack = suite.stack;
  stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30 });
});

describe('the fake clock of a signed-in page', { timeout: 60_000 }, () => {
  it('stands still in real time: no refresh of the page’s own comes past its 5 s, until the test moves the clock', async () => {
    const page = await signIn('viewer', { clock: true });
    const lists: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/console-api/calls?')) lists.push(request.url());
    });
    // Real time, longer than the page's refresh period: a clock left flowing would have refreshed by now.
    await page.waitForTimeout(6_000);
    expect(lists).toEqual([]);
    await nextDraw(page, () => page.clock.fastForward(5_000));
    expect(lists.length).toBeGreaterThan(0);
    await page.context().close();
  });

  it('stands at the real time its sign-in began, not ahead of it', async () => {
    const before = Date.now();
    let opened = 0;
    const page = await signIn('viewer', {
      clock: true,
      prepare: async () => {
        opened = Date.now();
      },
    });
    // The page's time is the real time between the call to signIn and the page opening the console, and stays there.
    const pageTime = await page.evaluate(() => Date.now());
    expect(pageTime).toBeGreaterThanOrEqual(before);
    expect(pageTime).toBeLessThanOrEqual(opened);
    await page.context().close();
  });

  it('fails a wait for the next draw at once, naming the status and URL, when the list is answered 500', async () => {
    const page = await signIn('viewer', { clock: true });
    await page.route('**/console-api/calls?*', (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: '{"code":"INTERNAL"}' }),
    );
    const started = Date.now();
    await expect(nextDraw(page, () => page.clock.fastForward(5_000))).rejects.toThrow(
      /answered 500 \(http:\/\/localhost:\d+\/console-api\/calls\?/,
    );
    // Far below any test's timeout: the failure is read from the answer, not waited out.
    expect(Date.now() - started).toBeLessThan(10_000);
    await page.context().close();
  });

  it('fails a wait for the next draw at once when the list request gets no answer (the network dropped)', async () => {
    const page = await signIn('viewer', { clock: true });
    await page.route('**/console-api/calls?*', (route) => route.abort('internetdisconnected'));
    const started = Date.now();
    await expect(nextDraw(page, () => page.clock.fastForward(5_000))).rejects.toThrow(
      /the live list request failed \(net::ERR_INTERNET_DISCONNECTED, http:\/\/localhost:\d+\/console-api\/calls\?/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    await page.context().close();
  });

  it('goes to another page of the console with goTo while the clock stands still', async () => {
    const page = await signIn('viewer', { clock: true });
    // goTo waits a task past the console's hashchange listener: a timer of the page's, on its stopped clock, would
    // never fire.
    await goTo(page, '#/audit');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit');
    await page.context().close();
  });

  it('waits for a draw to its end: a refresh moved right after the last one drawn comes, its chart answered slowly', async () => {
    const page = await signIn('viewer', { clock: true });
    const lists: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/console-api/calls?')) lists.push(request.url());
    });
    // The next refresh is scheduled only once the chart's (slow) answer is drawn: a wait that ended at its request
    // let the second move come before that, fire nothing, and wait for ever.
    await page.route('**/console-api/audit?*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.continue();
    });
    await nextDraw(page, () => page.clock.fastForward(5_000));
    const first = lists.length;
    await nextDraw(page, () => page.clock.fastForward(5_000));
    expect(lists.length).toBe(2 * first);
    await page.context().close();
  });
});
