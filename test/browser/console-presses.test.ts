import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '#commons/signalwire/types';
import type { LocalStack } from '#local/local-stack';
import { consoleBrowserSuite } from '../support/console-browser.ts';
import { driveLocks, lockHeldByTest, releaseLocks, setLocks } from '../support/driven-locks.ts';

/**
 * What a press of End tells the operator (Debian's Chromium against the local stack) when this browser's lock check
 * is slow, never answers, or is outrun by a route change, and when the browser is offline: the press is always
 * answered, a confirmation opens only on the page it was pressed on, and "not sent" is said only when it is known.
 */

let stack: LocalStack;
const suite = consoleBrowserSuite('console-presses');
const { signIn, goTo } = suite;
beforeAll(() => {
  stack = suite.stack;
});

const live = (): Call => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30 });
const posts = (sid: string) =>
  stack.emulator.requests.filter((r) => r.method === 'POST' && r.path.includes(sid)).length;
const alertText = (page: Page) => page.locator('#alert').textContent();

/** Counts the confirmations the page opens from now on, in `window.__dialogs`. */
const countDialogs = (page: Page) =>
  page.evaluate(`(() => {
    window.__dialogs = 0;
    new MutationObserver((changes) => {
      for (const change of changes)
        for (const node of change.addedNodes) if (node.nodeName === 'DIALOG') window.__dialogs += 1;
    }).observe(document.body, { childList: true });
  })()`);

const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe('a press of End is answered, on the page it was pressed on', { timeout: 90_000 }, () => {
  it('opens no confirmation when the operator leaves the page (or leaves and comes back) during the lock check', async () => {
    const call = live();
    const page = await signIn('operator', { prepare: driveLocks });
    await countDialogs(page);
    const end = page.getByRole('button', { name: `End ${call.sid}` });
    for (const away of [['#/audit'], ['#/audit', '#/calls'], [`#/calls/${call.sid}`]]) {
      await setLocks(page, { query: 'hold' });
      await end.click();
      await lockHeldByTest(page);
      for (const hash of away) await goTo(page, hash);
      await setLocks(page, { query: 'pass' });
      await releaseLocks(page);
      await settle();
      expect({ away, dialogs: await page.evaluate('window.__dialogs') }).toEqual({ away, dialogs: 0 });
      expect(await alertText(page)).not.toContain('Checking');
      if (away.at(-1) !== '#/calls') await goTo(page, '#/calls');
    }
    // A press left behind on a page the operator left stands in no one's way: End on the page now asks at once.
    await setLocks(page, { query: 'hold' });
    await end.click();
    await lockHeldByTest(page);
    await goTo(page, '#/audit');
    await goTo(page, '#/calls');
    await setLocks(page, { query: 'pass' });
    await end.click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await releaseLocks(page);
    await settle();
    expect(await page.evaluate('window.__dialogs')).toBe(1);
    // On the page it was pressed on, the same check opens the confirmation; nothing was sent before it.
    expect(posts(call.sid)).toBe(0);
    await setLocks(page, { query: 'hold' });
    await end.click();
    await lockHeldByTest(page);
    await setLocks(page, { query: 'pass' });
    await releaseLocks(page);
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    expect(posts(call.sid)).toBe(1);
    await page.context().close();
  });

  it('says a press was taken while its lock check is slow, says when the check never answers, then asks again', async () => {
    const call = live();
    const page = await signIn('operator', { prepare: driveLocks });
    await countDialogs(page);
    const end = page.getByRole('button', { name: `End ${call.sid}` });
    // The first check is held and never released: it never answers.
    await setLocks(page, { query: 'hold' });
    const pressed = Date.now();
    await end.click();
    await expect
      .poll(() => alertText(page), { timeout: 2_000 })
      .toBe(`Checking that no other change to call ${call.sid} is on its way, then asking to end it…`);
    // Pressed again meanwhile: nothing more is asked, nor sent.
    await end.click();
    await settle();
    expect(await page.evaluate('window.__dialogs')).toBe(0);
    await expect
      .poll(() => alertText(page), { timeout: 10_000 })
      .toBe(
        `Call ${call.sid} was not ended: this browser did not answer within 5 s whether another change to it is on its way; nothing was sent, so it can be tried again.`,
      );
    expect(Date.now() - pressed).toBeGreaterThanOrEqual(5_000);
    expect(posts(call.sid)).toBe(0);
    // The button is usable again: its next check answers, and the confirmation opens.
    await setLocks(page, { query: 'pass' });
    await end.click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    // The first check answering at last, given up long since, opens nothing and sends nothing.
    await releaseLocks(page);
    await settle();
    expect(await page.evaluate('window.__dialogs')).toBe(1);
    expect(posts(call.sid)).toBe(1);
    await page.context().close();
  });
  it('gives up a lock the browser never grants nor refuses: nothing sent, End asks again, and closing the tab asks nothing', async () => {
    const call = live();
    const page = await signIn('operator', { prepare: driveLocks });
    const end = page.getByRole('button', { name: `End ${call.sid}` });
    await setLocks(page, { request: 'hold' });
    await end.click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await lockHeldByTest(page);
    await expect
      .poll(() => alertText(page), { timeout: 10_000 })
      .toBe(
        `Call ${call.sid} was not ended: this browser could not check that no other change to it is on its way (it did not answer within 5 s); nothing was sent, so it can be tried again.`,
      );
    expect(posts(call.sid)).toBe(0);
    // The lock given up holds nothing: End on the same call asks again and ends it.
    await setLocks(page, { request: 'pass' });
    await end.click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    // The lock granted at last, long after it was given up, sends nothing.
    await releaseLocks(page);
    await settle();
    expect(posts(call.sid)).toBe(1);
    // Nothing is on its way: the tab closes without asking (a question would be dismissed, and the tab stay open).
    const closed = page.waitForEvent('close', { timeout: 5_000 });
    await page.close({ runBeforeUnload: true });
    await closed;
    await page.context().close();
  });
});

/** Says the browser is offline (or online again) as `navigator.onLine` reads, whatever the network does. */
const sayOnline = (page: Page, online: boolean) =>
  page.evaluate(`Object.defineProperty(navigator, 'onLine', { get: () => ${online}, configurable: true })`);

/** An API origin that is not this machine: the page's API requests to it are answered by the local stack. */
const ELSEWHERE = 'https://call-api.example.test/api';

/**
 * Points the console at {@link ELSEWHERE} (its `config.json` rewritten) and answers that origin's requests, CORS
 * included, from the local stack's API: the console then treats its API as another machine's. The page's context
 * needs `bypassCSP`, as the console's `connect-src` names only its own origin.
 */
const apiElsewhere = async (page: Page): Promise<void> => {
  let local = '';
  await page.route('**/console/config.json', async (route) => {
    const response = await route.fetch();
    const config = (await response.json()) as { apiBase: string };
    local = new URL(config.apiBase, route.request().url()).href;
    await route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ ...config, apiBase: ELSEWHERE }),
    });
  });
  await page.route(`${ELSEWHERE}/**`, async (route) => {
    const request = route.request();
    const cors = {
      'access-control-allow-origin': new URL(stack.consoleUrl).origin,
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-allow-methods': 'GET, POST',
      'access-control-expose-headers': 'x-call-outcome',
    };
    if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    const response = await route.fetch({ url: local + request.url().slice(ELSEWHERE.length) });
    await route.fulfill({ response, headers: { ...response.headers(), ...cors } });
  });
};

describe('an End while the browser is offline', { timeout: 90_000 }, () => {
  it('says nothing was sent when the browser was offline before sending to an API on another machine, and sends nothing', async () => {
    const call = live();
    const context = await suite.browser.newContext({
      bypassCSP: true,
      viewport: { width: 1280, height: 800 },
    });
    context.setDefaultTimeout(15_000);
    const page = await signIn('operator', { context, prepare: apiElsewhere });
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await sayOnline(page, false);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') sent.push(request.url());
    });
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect
      .poll(() => alertText(page))
      .toBe(`Call ${call.sid} was not ended: this browser is offline, so nothing was sent.`);
    expect(sent).toEqual([]);
    expect(posts(call.sid)).toBe(0);
    // Online again, End asks and ends it: no open attempt was noted, so nothing says it may have been ended.
    await sayOnline(page, true);
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    expect(sent).toEqual([`${ELSEWHERE}/calls/${call.sid}/terminate`]);
    await context.close();
  });

  it('ends a call while the browser says it is offline when the API is on this machine (npm start with no network)', async () => {
    const call = live();
    const page = await signIn('operator');
    await sayOnline(page, false);
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    expect(posts(call.sid)).toBe(1);
    await page.context().close();
  });

  it('still reads the live calls when the browser says it is offline (an API on this machine answers it)', async () => {
    const page = await signIn('viewer');
    await page.evaluate('Object.defineProperty(navigator, "onLine", { get: () => false })');
    const read = await page.waitForResponse((response) => /\/calls\?/.test(response.url()), {
      timeout: 10_000,
    });
    expect(read.status()).toBe(200);
    await page.context().close();
  });

  it('says an End may or may not have been applied when its request was made and then failed, online or offline', async () => {
    for (const goesOffline of [false, true]) {
      const call = live();
      const page = await signIn('operator');
      // The request is made (the browser online), then fails without an answer: the browser cannot know whether it
      // left before failing.
      await page.route(`**/calls/${call.sid}/terminate`, async (route) => {
        if (goesOffline) await page.context().setOffline(true);
        await route.abort('internetdisconnected');
      });
      await page.getByRole('button', { name: `End ${call.sid}` }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
      const failed = goesOffline
        ? 'this browser is offline; no answer came'
        : 'the connection to the API failed before an answer came';
      await expect
        .poll(() => alertText(page))
        .toBe(
          `Call ${call.sid} may or may not have been ended: ${failed}. Check the call before trying again.`,
        );
      await page.context().close();
    }
  });
});

describe('a confirmation at 3 a.m.', { timeout: 90_000 }, () => {
  it('names the buttons of the Cancel confirmation apart: Keep it ringing, which has the focus, and Cancel call', async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'ringing', ageSeconds: 10 });
    const page = await signIn('operator');
    await goTo(page, `#/calls/${call.sid}`);
    const dialog = page.getByRole('dialog');
    await page.getByRole('button', { name: 'Cancel ringing…' }).click();
    // "Cancel" beside "Cancel call" read as the same word: which one stops the call?
    expect(await dialog.getByRole('button').allTextContents()).toEqual(['Keep it ringing', 'Cancel call']);
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Keep it ringing');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    expect(posts(call.sid)).toBe(0);
    await page.getByRole('button', { name: 'Cancel ringing…' }).click();
    await dialog.getByRole('button', { name: 'Cancel call', exact: true }).click();
    await expect.poll(() => alertText(page)).toBe(`Call ${call.sid} was canceled.`);
    expect(posts(call.sid)).toBe(1);
    await page.context().close();
  });
});

describe('a slow API', { timeout: 90_000 }, () => {
  it('asks before the tab is closed while an End has no answer yet, and not once it has', async () => {
    const call = live();
    const page = await signIn('operator');
    const { promise: answered, resolve: answer } = Promise.withResolvers<void>();
    stack.emulator.injectFault({
      kind: 'hold',
      until: answered,
      method: 'POST',
      pathPrefix: `/api/laml/2010-04-01/Accounts/${stack.projectId}/Calls/${call.sid}`,
    });
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => alertText(page)).toBe(`Ending call ${call.sid}…`);
    const asked = new Promise<string>((resolve) => {
      page.once('close', () => resolve('closed without asking'));
      page.once('dialog', async (dialog) => {
        resolve(dialog.type());
        await dialog.dismiss();
      });
    });
    await page.close({ runBeforeUnload: true });
    expect(await asked).toBe('beforeunload');
    answer();
    await expect.poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    expect(page.isClosed()).toBe(false);
    // Answered: nothing is asked, the tab closes.
    const closed = page.waitForEvent('close', { timeout: 5_000 });
    await page.close({ runBeforeUnload: true });
    await closed;
    await page.context().close();
  });
});

describe('two tabs of the console', { timeout: 90_000 }, () => {
  it('names each tab after its page, a call’s page after its call, so tabs and a screen reader tell them apart', async () => {
    const call = live();
    const page = await signIn('admin');
    expect(await page.title()).toBe('Live calls – Call control console');
    const titles: string[] = [];
    for (const hash of [`#/calls/${call.sid}`, '#/audit', '#/cleanup', '#/end-all', '#/calls']) {
      await goTo(page, hash);
      titles.push(await page.title());
    }
    expect(titles).toEqual([
      `Call ${call.sid} – Call control console`,
      'Audit – Call control console',
      'Cleanup – Call control console',
      'End all – Call control console',
      'Live calls – Call control console',
    ]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.title()).toBe('Call control console');
    await page.context().close();
  });
});
