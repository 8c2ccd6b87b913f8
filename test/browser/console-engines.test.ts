import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Call } from '#commons/signalwire/types';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import {
  chromiumEngine,
  describeInEngine,
  type Engine,
  type EngineContext,
  type EnginePage,
  firefoxEngine,
} from '../support/console-engines.ts';
import { DIALOG_OVERFLOW, HIDDEN_TABLE_TEXT, type HiddenText } from '../support/console-layout.ts';
import { operatorApi } from '../support/operator-api.ts';

/**
 * The console's core checks in each browser engine its users have: Debian's Chromium (playwright-core) and Debian's
 * Firefox ESR (puppeteer-core over WebDriver BiDi), one scenario for both through a small driver (support/
 * console-engines.ts). Signing in and the live list; hostile values as text, with control and bidi characters shown
 * as escapes; End by keyboard through its confirmation, the focus kept and given back; no text under the sticky End
 * column at 320 and 1920 px; the confirmation within 320 px; a table's region a Tab stop only while it scrolls; one
 * change per call with Web Locks (two tabs, and a tab whose lock another took away mid-End) and without them (one tab); one confirmation for End pressed twice (a double
 * click, two clicks, two Enters or Spaces) in the list and on a call's page.
 *
 * A browser that is not installed fails the suite under CI (`CI` or `CONSOLE_BROWSERS_REQUIRED` set, as `.ci/run`
 * does); elsewhere its checks are skipped with a message saying how to install it.
 */

const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">\u001b[31mred\u202Eevil';
const NO_LOCKS =
  'Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined, configurable: true })';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ stateDir: mkdtempSync(join(tmpdir(), 'console-engines-')) });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

const live = (init: Partial<Parameters<LocalStack['emulator']['seedCall']>[1]> = {}): Call =>
  stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, ...init });
/** Ends calls a test left live, so the next test's table holds only its own. */
const endLive = async (...calls: Call[]): Promise<void> => {
  for (const call of calls)
    if (stack.emulator.getCall(stack.projectId, call.sid)?.status === 'in-progress')
      await operatorApi(stack).request('POST', `/calls/${call.sid}/terminate`);
};
const posts = (sid: string) =>
  stack.emulator.requests.filter((r) => r.method === 'POST' && r.path.includes(sid)).length;
const callPath = (sid: string) => `/api/laml/2010-04-01/Accounts/${stack.projectId}/Calls/${sid}`;
const delayEnds = (sid: string, ms: number) =>
  stack.emulator.injectFault({ kind: 'delay', ms, method: 'POST', pathPrefix: callPath(sid) });
const js = JSON.stringify;
const endButton = (sid: string) => `button[aria-label=${js(`End ${sid}`)}]`;
const alertIs = (text: string) => `document.getElementById('alert').textContent === ${js(text)}`;
const alertHas = (text: string) => `document.getElementById('alert').textContent.includes(${js(text)})`;
/** The focused element's name (its aria-label, else its text), `#id` with an id, and whether it is in a dialog. */
const FOCUSED = `(() => {
  const e = document.activeElement;
  const name = e.id ? '#' + e.id : (e.getAttribute('aria-label') ?? e.textContent.trim());
  return (e.closest('dialog') ? 'dialog: ' : '') + name;
})()`;

/** Counts the confirmations the page opens from now on, in `window.__dialogs` (which a test may reset). */
const COUNT_DIALOGS = `(() => {
  window.__dialogs = 0;
  new MutationObserver((changes) => {
    for (const change of changes)
      for (const node of change.addedNodes) if (node.nodeName === 'DIALOG') window.__dialogs += 1;
  }).observe(document.body, { childList: true });
})()`;

/** Two presses of a button in one task, before its confirmation can open (the page's own `click()`). */
const clickTwice = (selector: string) =>
  `(() => { const b = document.querySelector(${js(selector)}); b.click(); b.click(); })()`;

/**
 * Presses twice, as `press` does, before the confirmation opens: it opens once (a second came within milliseconds
 * of the first, after its lock check: well inside the wait here), and Escape leaves none behind. Needs
 * COUNT_DIALOGS run in the page.
 */
const askedOnce = async (page: EnginePage, press: () => Promise<unknown>): Promise<void> => {
  await page.evaluate('window.__dialogs = 0');
  await press();
  await page.waitFor(`document.querySelector('dialog[open]') !== null`);
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(await page.evaluate('window.__dialogs')).toBe(1);
  await page.press('Escape');
  await page.waitFor(`document.querySelectorAll('dialog').length === 0`);
};

/** Signs in through the console's own page and the local sign-in form, as a person would, and waits for the list. */
const signIn = async (
  context: EngineContext,
  user: string,
  options: { width?: number; beforeLoad?: string } = {},
): Promise<EnginePage> => {
  const page = await context.newPage(options);
  await page.goto(stack.consoleUrl);
  await page.waitFor(`document.querySelector('main button.primary')?.textContent === 'Sign in'`);
  await page.click('main button.primary');
  await page.waitFor(`document.getElementById('password') !== null`);
  await page.type('#username', user);
  await page.type('#password', `local-${user}`);
  await page.click('button[type=submit]');
  await page.waitFor(
    `/\\d+ live calls?/.test(document.querySelector('main')?.textContent ?? '') && document.querySelector('main')?.textContent.includes('Calls ended today, by trigger')`,
  );
  return page;
};

/** Presses Tab until the focus is on `name` (see FOCUSED), at most `max` times; the names passed on the way. */
const tabTo = async (page: EnginePage, name: string, max = 80): Promise<string[]> => {
  const passed: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.press('Tab');
    const now = await page.evaluate<string>(FOCUSED);
    passed.push(now);
    if (now === name) break;
  }
  return passed;
};

const ENGINES: Engine[] = [chromiumEngine(), firefoxEngine()];

for (const engine of ENGINES) {
  describeInEngine(engine, `the console in ${engine.name}`, () => {
    let context: EngineContext;
    const open = async () => {
      context = await engine.newContext();
      return context;
    };
    const done = () => context.close();

    it('signs in, lists the live calls, and shows hostile values as text with control characters as escapes', async () => {
      const hostile = live({ callerName: HOSTILE_NAME, from: '<b>bold</b>' });
      const page = await signIn(await open(), 'viewer');
      await page.waitFor(`document.querySelector('main').textContent.includes(${js(hostile.sid)})`);
      const row = (await page.evaluate<string>(
        `[...document.querySelectorAll('main tr')].find((tr) => tr.textContent.includes(${js(hostile.sid)})).textContent`,
      )) as string;
      expect(row).toContain('<img src=x onerror="window.__pwned=1">');
      expect(row).toContain('\\x1b[31mred\\u202eevil');
      expect(row).toContain('<b>bold</b>');
      expect(row.includes('\u001b') || row.includes('\u202e')).toBe(false);
      expect(await page.evaluate(`document.querySelectorAll('main img, main b').length`)).toBe(0);
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      const count = await page.evaluate<string>(`document.querySelector('main .count').textContent`);
      expect(count).toMatch(/^\d+ live calls?$/);
      await endLive(hostile);
      await done();
    });

    it('ends a call by keyboard: End, its confirmation holding the focus, Escape gives it back, then End call', async () => {
      const call = live();
      const page = await signIn(await open(), 'operator');
      await page.waitFor(`document.querySelector(${js(endButton(call.sid))}) !== null`);
      await page.evaluate(`document.getElementById('main').focus()`);
      expect((await tabTo(page, `End ${call.sid}`)).at(-1)).toBe(`End ${call.sid}`);
      await page.press('Enter');
      await page.waitFor(`document.querySelector('dialog[open]') !== null`);
      expect(await page.evaluate<string>(FOCUSED)).toMatch(/^dialog: /);
      await page.press('Escape');
      await page.waitFor(`document.querySelector('dialog') === null`);
      expect(await page.evaluate<string>(FOCUSED)).toBe(`End ${call.sid}`);
      expect(posts(call.sid)).toBe(0);

      await page.press('Enter');
      await page.waitFor(`document.querySelector('dialog[open]') !== null`);
      expect((await tabTo(page, 'dialog: End call', 6)).at(-1)).toBe('dialog: End call');
      await page.press('Enter');
      await page.waitFor(alertIs(`Call ${call.sid} is completed.`));
      expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
      await page.waitFor(`document.activeElement.id === 'main'`);
      await done();
    });

    it('hides no table text under the sticky End column at 320 and 1920 px, beside hostile values', async () => {
      const long = live({
        to: `sip:${'t'.repeat(600)}@example.com`,
        from: `https://example.com/${'f'.repeat(600)}`,
        callerName: 'مركز الاتصال الرئيسي للعملاء في المنطقة الشرقية',
      });
      const page = await signIn(await open(), 'operator', { width: 320 });
      await page.waitFor(`document.querySelector('main').textContent.includes(${js(long.sid)})`);
      expect(await page.evaluate<HiddenText[]>(HIDDEN_TABLE_TEXT)).toEqual([]);
      expect(
        await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'),
      ).toBe(true);
      await page.setViewport(1920);
      await page.waitFor(`getComputedStyle(document.querySelector('main thead')).position !== 'absolute'`);
      expect(await page.evaluate<HiddenText[]>(HIDDEN_TABLE_TEXT)).toEqual([]);
      expect(
        await page.evaluate(
          `[...document.querySelectorAll('main .scroll')].every((r) => r.scrollWidth <= r.clientWidth)`,
        ),
      ).toBe(true);
      await endLive(long);
      await done();
    });

    it('fits the End confirmation in 320 px beside the longest values', async () => {
      const hostile = live({
        to: `sip:${'\u202e'.repeat(40)}${'t'.repeat(4000)}@example.com`,
        from: `https://example.com/${'f'.repeat(4000)}`,
        callerName: 'W'.repeat(2000),
      });
      const page = await signIn(await open(), 'operator', { width: 320 });
      await page.waitFor(`document.querySelector(${js(endButton(hostile.sid))}) !== null`);
      await page.evaluate(`document.querySelector(${js(endButton(hostile.sid))}).scrollIntoView()`);
      await page.click(endButton(hostile.sid));
      await page.waitFor(`document.querySelector('dialog[open]') !== null`);
      expect(await page.evaluate<string[]>(DIALOG_OVERFLOW)).toEqual([]);
      await page.press('Escape');
      await endLive(hostile);
      await done();
    });

    it('makes a table’s region a Tab stop only while it scrolls', async () => {
      const call = live({ to: `sip:${'t'.repeat(300)}@example.com` });
      const page = await signIn(await open(), 'operator', { width: 1920 });
      const stop = `document.querySelector('main .scroll').getAttribute('tabindex')`;
      expect(await page.evaluate(stop)).toBeNull();
      await page.setViewport(760);
      await page.waitFor(`${stop} === '0'`);
      expect(await page.evaluate(`document.querySelector('main .scroll').getAttribute('aria-label')`)).toBe(
        'Live calls: scroll area',
      );
      await page.evaluate(`document.querySelector('main .scroll').focus()`);
      await page.press('ArrowRight');
      await page.press('ArrowRight');
      await page.waitFor(`document.querySelector('main .scroll').scrollLeft > 0`);
      await endLive(call);
      await done();
    });

    it('says the live calls could not be loaded (not that it shows a last answer) until the API answers', async () => {
      const page = await signIn(await open(), 'viewer');
      await page.evaluate(`location.hash = '#/audit'`);
      await page.waitFor(`document.querySelector('main h1')?.textContent === 'Audit'`);
      stack.emulator.injectFault({
        kind: 'status',
        status: 503,
        method: 'GET',
        times: 1_000,
        pathPrefix: `/api/laml/2010-04-01/Accounts/${stack.projectId}/Calls`,
      });
      try {
        await page.evaluate(`location.hash = '#/calls'`);
        const status = `document.querySelector('main [role=status]')?.textContent ?? ''`;
        await page.waitFor(`(${status}).length > 0`, 30_000);
        const said = await page.evaluate<string>(status);
        expect(said).toMatch(/^Could not load the live calls: .+\. Trying again every 5 s\.$/);
        expect(await page.evaluate(`document.querySelector('main .count').textContent`)).toBe(
          'Loading live calls…',
        );
      } finally {
        stack.emulator.clearFaults();
      }
      await page.waitFor(
        `/^\\d+ live calls?$/.test(document.querySelector('main .count').textContent)`,
        20_000,
      );
      await page.waitFor(`document.querySelector('main [role=status]').textContent === ''`);
      await done();
    });

    it('with Web Locks, sends one end for two tabs pressing End on the same call', async () => {
      const call = live();
      const tabs = await open();
      const first = await signIn(tabs, 'operator');
      const second = await signIn(tabs, 'operator');
      expect(await first.evaluate(`typeof navigator.locks?.request`)).toBe('function');
      delayEnds(call.sid, 2_000);
      await first.click(endButton(call.sid));
      await first.click('dialog button.danger');
      await first.waitFor(alertIs(`Ending call ${call.sid}…`));
      await second.click(endButton(call.sid));
      await second.waitFor(alertHas('already on its way (from this tab or another)'));
      await first.waitFor(alertIs(`Call ${call.sid} is completed.`));
      expect(posts(call.sid)).toBe(1);
      await done();
    });

    it('with Web Locks, sends no second end from a tab whose lock another tab took away while its End was on its way', async () => {
      const call = live();
      const tabs = await open();
      const page = await signIn(tabs, 'operator');
      const other = await tabs.newPage();
      await other.goto(stack.consoleUrl);
      // The end is held at SignalWire until the steps below are done, however long they take on a loaded machine.
      const { promise: answered, resolve: answer } = Promise.withResolvers<void>();
      stack.emulator.injectFault({
        kind: 'hold',
        until: answered,
        method: 'POST',
        pathPrefix: callPath(call.sid),
      });
      await page.click(endButton(call.sid));
      await page.click('dialog button.danger');
      await page.waitFor(alertIs(`Ending call ${call.sid}…`));
      const lock = js(`call-control-change-${call.sid}`);
      await other.evaluate(`navigator.locks.request(${lock}, { steal: true }, () => undefined)`);
      await page.click(endButton(call.sid));
      // The tab's guard used to go with the lock: a confirmation opened, and its End call sent a second end.
      await page.waitFor(
        `${alertHas('already on its way')} || document.querySelector('dialog[open]') !== null`,
      );
      if (await page.evaluate(`document.querySelector('dialog[open]') !== null`))
        await page.click('dialog button.danger');
      expect(await page.evaluate(alertHas('already on its way (from this tab or another)'))).toBe(true);
      // One end reached SignalWire, still held: the API's own timeout (5 s, then a resend) did not cut the steps.
      expect(posts(call.sid)).toBe(1);
      answer();
      await page.waitFor(alertIs(`Call ${call.sid} is completed.`));
      expect(posts(call.sid)).toBe(1);
      await done();
    });

    it('keeps the focus through End all by keyboard: the run’s heading, then its summary, said in its status', async () => {
      const from = engine.name === 'Firefox' ? '+14155550131' : '+14155550132';
      const calls = [live({ from }), live({ from })];
      for (const call of calls) delayEnds(call.sid, 1_000);
      const page = await signIn(await open(), 'admin');
      await page.evaluate(`location.hash = '#/end-all'`);
      await page.waitFor(`document.querySelector('main h1')?.textContent === 'End all matching calls'`);
      await page.type('main input[name=from]', from);
      await page.click('main > button');
      await page.waitFor(`document.querySelector('main button.danger')?.textContent === 'End 2 calls…'`);
      await page.evaluate(`document.querySelector('main button.danger').focus()`);
      await page.press('Enter');
      await page.type('#typed-count', '2');
      await page.press('Enter');
      await page.waitFor(`document.activeElement.textContent === 'Ending'`);
      await page.waitFor(
        `document.querySelector('main [role=status]').textContent.includes('Ended: 2')`,
        20_000,
      );
      expect(await page.evaluate(FOCUSED)).toBe('Summary');
      expect(calls.map((call) => stack.emulator.getCall(stack.projectId, call.sid)?.status)).toEqual([
        'completed',
        'completed',
      ]);
      await done();
    });

    it('without Web Locks, sends one end for a second press in the same tab', async () => {
      const call = live();
      const page = await signIn(await open(), 'operator', { beforeLoad: NO_LOCKS });
      expect(await page.evaluate('navigator.locks === undefined')).toBe(true);
      delayEnds(call.sid, 2_000);
      await page.click(endButton(call.sid));
      await page.click('dialog button.danger');
      await page.waitFor(alertIs(`Ending call ${call.sid}…`));
      await page.click(endButton(call.sid));
      await page.waitFor(alertHas('already on its way (from this tab or another)'));
      await page.waitFor(alertIs(`Call ${call.sid} is completed.`), 20_000);
      expect(posts(call.sid)).toBe(1);
      await done();
    });

    it('opens one confirmation for a double click, two presses, two Enters or two Spaces on End in the list, and asks again after Cancel', async () => {
      const call = live();
      const page = await signIn(await open(), 'operator');
      await page.evaluate(COUNT_DIALOGS);
      const end = endButton(call.sid);
      await page.waitFor(`document.querySelector(${js(end)}) !== null`);
      await askedOnce(page, () => page.dblclick(end));
      await askedOnce(page, () => page.evaluate(clickTwice(end)));
      // The keyboard: a second Enter or Space may come once the confirmation holds the focus (on its Cancel, which
      // it then presses): one confirmation, none left open, nothing sent.
      for (const key of ['Enter', 'Space']) {
        await page.evaluate('window.__dialogs = 0');
        await page.evaluate(`document.querySelector(${js(end)}).focus()`);
        await page.press(key);
        await page.press(key);
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(await page.evaluate('window.__dialogs')).toBe(1);
        if (await page.evaluate(`document.querySelector('dialog[open]') !== null`))
          await page.press('Escape');
        await page.waitFor(`document.querySelectorAll('dialog').length === 0`);
      }
      expect(posts(call.sid)).toBe(0);
      // Every confirmation was cancelled: End asks again, and one end is sent.
      await page.click(end);
      await page.click('dialog button.danger');
      await page.waitFor(alertIs(`Call ${call.sid} is completed.`));
      expect(posts(call.sid)).toBe(1);
      await done();
    });

    it('opens one confirmation for a double click or two presses on a call’s page’s End call…, and sends one end', async () => {
      const call = live();
      const page = await signIn(await open(), 'operator');
      await page.evaluate(COUNT_DIALOGS);
      await page.evaluate(`location.hash = ${js(`#/calls/${call.sid}`)}`);
      const end = 'main button[data-focus-key=end]';
      await page.waitFor(`document.querySelector(${js(end)})?.textContent === 'End call…'`);
      await askedOnce(page, () => page.dblclick(end));
      await askedOnce(page, () => page.evaluate(clickTwice(end)));
      await page.evaluate('window.__dialogs = 0');
      await page.dblclick(end);
      await page.waitFor(`document.querySelector('dialog[open]') !== null`);
      await page.click('dialog button.danger');
      await page.waitFor(alertIs(`Call ${call.sid} is completed.`));
      expect(await page.evaluate('window.__dialogs')).toBe(1);
      expect(await page.evaluate(`document.querySelectorAll('dialog').length`)).toBe(0);
      expect(posts(call.sid)).toBe(1);
      await done();
    });
  });
}

// Firefox's default font size is a preference of its profile (Settings › Fonts › Size): a browser of its own.
const bigFirefox = firefoxEngine({ 'font.size.variable.x-western': 48, 'font.size.monospace.x-western': 45 });
describeInEngine(bigFirefox, 'the console in Firefox at a 48 px default font size', () => {
  it('fits the live list and the End confirmation in 320 px beside the longest values, and ends the call', async () => {
    const hostile = live({
      to: `sip:${'\u202e'.repeat(40)}${'t'.repeat(4000)}@example.com`,
      from: `https://example.com/${'f'.repeat(4000)}`,
      callerName: 'W'.repeat(2000),
    });
    const context = await bigFirefox.newContext();
    const page = await signIn(context, 'operator', { width: 320 });
    expect(await page.evaluate('getComputedStyle(document.documentElement).fontSize')).toBe('48px');
    await page.waitFor(`document.querySelector(${js(endButton(hostile.sid))}) !== null`);
    expect(
      await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'),
    ).toBe(true);
    await page.evaluate(`document.querySelector(${js(endButton(hostile.sid))}).scrollIntoView()`);
    await page.click(endButton(hostile.sid));
    await page.waitFor(`document.querySelector('dialog[open]') !== null`);
    expect(await page.evaluate<string[]>(DIALOG_OVERFLOW)).toEqual([]);
    await page.evaluate(`document.querySelector('dialog button.danger').scrollIntoView()`);
    await page.click('dialog button.danger');
    await page.waitFor(alertIs(`Call ${hostile.sid} is completed.`));
    expect(stack.emulator.getCall(stack.projectId, hostile.sid)?.status).toBe('completed');
    await context.close();
  });
});
