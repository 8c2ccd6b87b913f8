import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '#commons/signalwire/types';
import type { LocalStack } from '#local/local-stack';
import { consoleBrowserSuite } from '../support/console-browser.ts';
import { driveLocks, releaseLocks, setLocks } from '../support/driven-locks.ts';

/**
 * What an operator without a terminal met in the console (Debian's Chromium, driven by playwright-core, against the
 * local stack): a double click on End, a press while the call's lock check is pending (on that call or another), a
 * second End after another tab took the call's lock from the first, a browser refusing the Web Locks
 * API (End and End all), a confirmation beside a value long enough to scroll, an API message ending in a full stop, a
 * gateway's 429 without the API's code (in a refresh and in an action), and a call's page whose call or audit trail
 * fails to load.
 */

let stack: LocalStack;
const suite = consoleBrowserSuite('console-operator-probe');
const { signIn } = suite;
beforeAll(() => {
  stack = suite.stack;
});

const live = (): Call => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30 });
const posts = (sid: string) =>
  stack.emulator.requests.filter((r) => r.method === 'POST' && r.path.includes(sid)).length;
/** As API Gateway throttles: 429 with its own `{"message"}`, no error code of the API's. */
const THROTTLED = { status: 429, contentType: 'application/json', body: '{"message":"Too Many Requests"}' };
/** A gateway's own 500 (the function failed), without the API's error code. */
const SERVER_ERROR = {
  status: 500,
  contentType: 'application/json',
  body: '{"message":"Internal Server Error"}',
};
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });

/** What the page threw or left unhandled, and what it logged as an error. */
const troubles = (page: Page): string[] => {
  const seen: string[] = [];
  page.on('pageerror', (error) => seen.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(`console: ${message.text()}`);
  });
  return seen;
};
const alertText = (page: Page) => page.locator('#alert').textContent();
/** Holds the page's requests matching `url` until released; `sent` settles once the first has left the page. */
const holdRequests = async (page: Page, url: string) => {
  let reached = () => {};
  const sent = new Promise<void>((resolve) => {
    reached = resolve;
  });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(url, async (route) => {
    reached();
    await released;
    await route.continue();
  });
  return { sent, release };
};
/** Another tab of the same browser takes the call's lock from whoever holds it (the Web Locks API's `steal`). */
const stealLock = async (page: Page, sid: string): Promise<void> => {
  const other = await page.context().newPage();
  await other.goto(stack.consoleUrl);
  await other.evaluate(
    (name) =>
      (
        globalThis as unknown as {
          navigator: { locks: { request: (n: string, o: object, f: () => void) => Promise<void> } };
        }
      ).navigator.locks.request(name, { steal: true }, () => undefined),
    `call-control-change-${sid}`,
  );
  await other.close();
};

describe('the console as an operator without a terminal uses it', { timeout: 60_000 }, () => {
  it('opens one confirmation for a double click on End, and leaves none behind once the call is ended', async () => {
    const call = live();
    const page = await signIn('operator');
    await page.getByRole('button', { name: `End ${call.sid}` }).dblclick();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => page.getByRole('alert').textContent()).toBe(`Call ${call.sid} is completed.`);
    expect(await page.locator('dialog').count()).toBe(0);
    expect(posts(call.sid)).toBe(1);
    await page.context().close();
  });

  it('answers End pressed again while the call’s lock check is pending, then opens one confirmation', async () => {
    const call = live();
    const page = await signIn('operator', { prepare: driveLocks });
    await setLocks(page, { query: 'hold' });
    const end = page.getByRole('button', { name: `End ${call.sid}` });
    await end.click();
    await end.click();
    await poll(() => alertText(page)).toBe(
      `Checking that no other change to call ${call.sid} is on its way, then asking to end it…`,
    );
    expect(await page.locator('dialog').count()).toBe(0);
    await setLocks(page, { query: 'pass' });
    await releaseLocks(page);
    await page.getByRole('dialog').waitFor();
    expect(await page.locator('dialog').count()).toBe(1);
    // The check answered: "Checking…" is not left under the confirmation.
    expect(await alertText(page)).toBe('');
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    expect(posts(call.sid)).toBe(1);
    await page.context().close();
  });

  it('says in one sentence that nothing was sent when the browser refuses the lock check or the lock, and End works again', async () => {
    const call = live();
    const page = await signIn('operator', { prepare: driveLocks });
    const seen = troubles(page);
    const refused = `Call ${call.sid} was not ended: this browser could not check that no other change to it is on its way (The request was denied.); nothing was sent, so it can be tried again.`;
    const end = page.getByRole('button', { name: `End ${call.sid}` });
    await setLocks(page, { query: 'fail' });
    await end.click();
    await poll(() => alertText(page)).toBe(refused);
    expect(await page.locator('dialog').count()).toBe(0);
    // The check passes, the lock for the send is refused: the confirmation was answered, still nothing was sent.
    await setLocks(page, { query: 'pass', request: 'fail' });
    await end.click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => alertText(page)).toBe(refused);
    expect(posts(call.sid)).toBe(0);
    await setLocks(page, { request: 'pass' });
    await end.click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    expect(posts(call.sid)).toBe(1);
    expect(seen).toEqual([]);
    await page.context().close();
  });

  it('finishes End all with its summary when the browser refuses the calls’ locks: each not sent, and why', async () => {
    const from = '+14155550188';
    const calls = [1, 2].map(() =>
      stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, from }),
    );
    const page = await signIn('admin', { prepare: driveLocks });
    const seen = troubles(page);
    await setLocks(page, { request: 'fail' });
    await page.getByRole('link', { name: 'End all' }).click();
    await page.getByLabel('From').fill(from);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('button', { name: 'End 2 calls…' }).click();
    await page.getByLabel('Type the number of calls to end').fill('2');
    await page.keyboard.press('Enter');
    await page.getByText('Failed: 2').waitFor();
    const why = await page.locator('main table').last().textContent();
    for (const call of calls) expect(why).toContain(call.sid);
    expect(why).toContain(
      'not sent: this browser could not check that no other change to this call was on its way (The request was denied.)',
    );
    expect(await page.getByRole('button', { name: 'Preview' }).isEnabled()).toBe(true);
    for (const call of calls) expect(posts(call.sid)).toBe(0);
    expect(seen).toEqual([]);
    await page.context().close();
  });

  it('counts by its answer, not as not sent, an end whose lock another tab took away once it was on its way', async () => {
    const from = '+14155550189';
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, from });
    const page = await signIn('admin');
    const seen = troubles(page);
    const { sent, release } = await holdRequests(page, '**/console-api/end-all/*');
    await page.getByRole('link', { name: 'End all' }).click();
    await page.getByLabel('From').fill(from);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('button', { name: 'End 1 call…' }).click();
    await page.getByLabel('Type the number of calls to end').fill('1');
    await page.keyboard.press('Enter');
    await sent;
    // Another tab takes the call's lock (`steal`): the run's own request for it rejects, the end already sent.
    await stealLock(page, call.sid);
    release();
    await page.getByRole('heading', { name: 'Summary' }).waitFor();
    expect(await page.locator('ul.summary').textContent()).toContain('Ended: 1');
    expect(await page.locator('ul.summary').textContent()).toContain('Failed: 0');
    expect(await page.locator('main').textContent()).not.toContain('not sent');
    expect(posts(call.sid)).toBe(1);
    expect(seen).toEqual([]);
    await page.context().close();
  });

  it('says the answer and reloads the call when its lock is taken away once the End was on its way', async () => {
    const call = live();
    const page = await signIn('operator');
    const seen = troubles(page);
    await page.getByRole('link', { name: call.sid }).click();
    const { sent, release } = await holdRequests(page, '**/console-api/calls/*/terminate');
    await page.getByRole('button', { name: 'End call…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await sent;
    await stealLock(page, call.sid);
    release();
    await poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    // The page is drawn again from the call as it now is: no End for an ended call.
    await page.getByRole('button', { name: 'End call…' }).waitFor({ state: 'detached' });
    expect(posts(call.sid)).toBe(1);
    expect(seen).toEqual([]);
    await page.context().close();
  });

  it('keeps the tab’s own guard for a call until its End’s answer when another tab takes the lock away', async () => {
    const call = live();
    const page = await signIn('operator');
    const ends: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/calls/${call.sid}/terminate`)) ends.push(r.url());
    });
    await page.getByRole('link', { name: call.sid }).click();
    const { sent, release } = await holdRequests(page, '**/console-api/calls/*/terminate');
    const end = page.getByRole('button', { name: 'End call…' });
    await end.click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await sent;
    await stealLock(page, call.sid);
    await end.click();
    // The guard used to go with the lock: a confirmation opened, and its End call sent the call a second end.
    const busy = `A change to call ${call.sid} is already on its way (from this tab or another); wait for its answer.`;
    const answered = async () =>
      (await page.locator('dialog').count()) ? 'a confirmation' : alertText(page);
    await poll(answered).not.toBe(`Ending call ${call.sid}…`);
    if (await page.locator('dialog').count())
      await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    expect(await alertText(page)).toBe(busy);
    release();
    await poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    expect(ends).toHaveLength(1);
    expect(posts(call.sid)).toBe(1);
    await page.context().close();
  });

  it('opens one confirmation at a time: End on another call while the first’s lock check is pending asks nothing', async () => {
    const [a, b] = [live(), live()];
    const page = await signIn('operator', { prepare: driveLocks });
    const confirmEnd = async (sid: string) => {
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      expect(await page.locator('dialog').count()).toBe(1);
      // The confirmation names the call its End call ends.
      expect(await dialog.locator('dt:text-is("Call") + dd').textContent()).toBe(sid);
      await dialog.getByRole('button', { name: 'End call' }).click();
      await poll(() => alertText(page)).toBe(`Call ${sid} is completed.`);
    };
    await setLocks(page, { query: 'hold' });
    await page.getByRole('button', { name: `End ${a.sid}` }).click();
    await page.getByRole('button', { name: `End ${b.sid}` }).click();
    await poll(() => alertText(page)).toBe(
      `Nothing was asked for call ${b.sid}: the confirmation to end call ${a.sid} opens first; press again once it is answered.`,
    );
    await setLocks(page, { query: 'pass' });
    await releaseLocks(page);
    await confirmEnd(a.sid);
    expect([posts(a.sid), posts(b.sid)]).toEqual([1, 0]);
    // Once the first is answered, End on the other call asks for it.
    await page.getByRole('button', { name: `End ${b.sid}` }).click();
    await confirmEnd(b.sid);
    expect([posts(a.sid), posts(b.sid)]).toEqual([1, 1]);
    await page.context().close();
  });

  it('opens a confirmation with the focus on Cancel, or in its URL field, beside a number long enough to scroll', async () => {
    const call = stack.emulator.seedCall(stack.projectId, {
      status: 'in-progress',
      ageSeconds: 30,
      to: `sip:${'t'.repeat(3000)}@example.com`,
    });
    const page = await signIn('operator', { width: 640 });
    const focused = () =>
      page.evaluate(() => {
        const d = globalThis as unknown as { document: { activeElement: { outerHTML: string } | null } };
        return d.document.activeElement?.outerHTML.slice(0, 60);
      });
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').waitFor();
    expect(await focused()).toBe('<button type="button" autofocus="">Cancel</button>');
    await page.keyboard.press('Enter');
    // The dialog's close event, which removes it, is a task of its own after the key.
    await poll(() => page.locator('dialog').count()).toBe(0);
    await page.getByRole('link', { name: call.sid }).click();
    await page.getByRole('button', { name: 'Redirect…' }).click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.type('https://example.com/hold.xml');
    expect(await page.getByLabel('Instructions URL').inputValue()).toBe('https://example.com/hold.xml');
    await page.keyboard.press('Escape');
    expect(posts(call.sid)).toBe(0);
    await page.context().close();
  });

  it.each([
    ['ends in a full stop', 'SignalWire is limiting requests.', 'SignalWire is limiting requests.'],
    ['has none', 'SignalWire is limiting requests', 'SignalWire is limiting requests.'],
    // Not ": .": the full stop dropped from the message left nothing.
    ['is only a full stop', '.', 'no explanation came with it.'],
    ['is empty', '', 'no explanation came with it.'],
    ['is only spaces', '   ', 'no explanation came with it.'],
  ])('ends a refusal whose message %s in one sentence with one full stop', async (_, message, said) => {
    const call = live();
    const page = await signIn('operator');
    await page.route('**/console-api/calls/*/terminate', (route) =>
      route.fulfill({
        status: 429,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'UPSTREAM_RATE_LIMITED', message } }),
      }),
    );
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => alertText(page)).toBe(
      `Call ${call.sid} was not ended: the API answered 429 UPSTREAM_RATE_LIMITED: ${said}`,
    );
    await page.context().close();
  });

  it('says a throttled refresh in one sentence (no stray capital, no double full stop) and keeps the list', async () => {
    const call = live();
    const page = await signIn('viewer', { clock: true });
    await page.route('**/console-api/calls?*', (route) => route.fulfill(THROTTLED));
    await page.clock.fastForward(5_000);
    await poll(() => page.locator('main > p[role=status]').textContent()).toBe(
      'Could not refresh the live calls: the API answered 429 (too many requests): wait a moment before trying ' +
        'again. The list shows the last answer; trying again every 5 s.',
    );
    expect(await page.getByRole('link', { name: call.sid }).count()).toBe(1);
    await page.context().close();
  });

  it('says an end the gateway throttled was not ended, in one sentence', async () => {
    const call = live();
    const page = await signIn('operator');
    await page.route('**/console-api/calls/*/terminate', (route) => route.fulfill(THROTTLED));
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => page.getByRole('alert').textContent()).toBe(
      `Call ${call.sid} was not ended: the API answered 429 (too many requests): wait a moment before trying again.`,
    );
    await page.context().close();
  });

  it('says on a call’s page which part could not be loaded, instead of "Loading…" beside the failure', async () => {
    const call = live();
    const page = await signIn('viewer');
    await page.route(`**/console-api/calls/${call.sid}`, (route) => route.fulfill(SERVER_ERROR));
    await page.getByRole('link', { name: call.sid }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain(
      'Could not load the call or its audit trail',
    );
    await page.getByText('The call could not be loaded.').waitFor();
    await page.getByText('Its audit trail could not be loaded.').waitFor();
    expect(await page.locator('main').textContent()).not.toContain('Loading');
    await page.context().close();
  });

  it('shows a call page’s failure from outside as text: markup stays text, control and bidi characters escapes', async () => {
    const call = live();
    const page = await signIn('viewer');
    const hostile = '<img src=x onerror="window.__pwned=1">\u001b[31mred\u202eevil';
    await page.route(`**/console-api/calls/${call.sid}`, (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'CALL_NOT_FOUND', message: hostile } }),
      }),
    );
    await page.getByRole('link', { name: call.sid }).click();
    await page.getByText('The call could not be loaded.').waitFor();
    const said = (await page.getByRole('alert').textContent()) ?? '';
    expect(said).toContain('the API answered 404 CALL_NOT_FOUND: <img src=x onerror="window.__pwned=1">');
    expect(said).toContain('\\x1b[31mred\\u202eevil');
    expect(said.includes('\u001b') || said.includes('\u202e')).toBe(false);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.context().close();
  });

  it('keeps a loaded call on its page and says only its audit trail could not be loaded when that search fails', async () => {
    const call = live();
    const page = await signIn('viewer');
    await page.route('**/console-api/audit?*', (route) => route.fulfill(SERVER_ERROR));
    await page.getByRole('link', { name: call.sid }).click();
    await page.getByText('Its audit trail could not be loaded.').waitFor();
    expect(await page.locator('dt:text-is("From") + dd').textContent()).toBe(call.from);
    expect(await page.locator('main').textContent()).not.toContain('Loading');
    await page.context().close();
  });
});
