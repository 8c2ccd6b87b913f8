import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '#commons/signalwire/types';
import type { LocalStack } from '#local/local-stack';
import { consoleBrowserSuite } from '../support/console-browser.ts';

/**
 * What keeps an operator's click and ear on the call they mean (Debian's Chromium against the local stack): an alert
 * appearing moves no End button, a right-to-left name or message reorders none of the text around it, and a filter
 * typed digit by digit is read aloud once, when the typing settles.
 */

let stack: LocalStack;
const suite = consoleBrowserSuite('console-operator-safety');
const { signIn } = suite;
beforeAll(() => {
  stack = suite.stack;
});

const live = (init: Partial<Parameters<LocalStack['emulator']['seedCall']>[1]> = {}): Call =>
  stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, ...init });
const callPath = (sid: string) => `/api/laml/2010-04-01/Accounts/${stack.projectId}/Calls/${sid}`;

const ARABIC = 'محمد علي';
const HEBREW_MESSAGE = 'השיחה נדחתה 42';

/**
 * Every text node in `scope` with right-to-left letters, and whether something isolates it from the rest of its
 * paragraph: a `<bdi>`, an inline element with `unicode-bidi: isolate`, or an inline-block (its own paragraph). The
 * walk stops at the block the text is a line of: a block (a cell, the alert's paragraph) isolates only as a whole.
 */
const rtlTexts = (page: Page, scope: string) =>
  page.evaluate(`[...document.querySelectorAll(${JSON.stringify(scope)})].flatMap((root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!/[\\u0590-\\u08ff]/u.test(node.data)) continue;
      let isolated = false;
      for (let e = node.parentElement; e; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (style.display !== 'inline' && style.display !== 'inline-block') break;
        if (e.tagName === 'BDI' || style.display === 'inline-block' || /isolate|plaintext/.test(style.unicodeBidi)) {
          isolated = true;
          break;
        }
      }
      found.push({ text: node.data, isolated });
    }
    return found;
  })`) as Promise<Array<{ text: string; isolated: boolean }>>;

describe('the console keeps the operator’s click and ear on the call they mean', { timeout: 90_000 }, () => {
  it('moves no End button when an alert appears', async () => {
    const first = live({ to: '+14155550301' });
    const second = live({ to: '+14155550302' });
    const page = await signIn('operator');
    const endSecond = page.getByRole('button', { name: `End ${second.sid}` });
    await endSecond.waitFor();
    const before = await endSecond.boundingBox();
    // The first call's end is held, so its row stays while the alert says it is being ended.
    stack.emulator.injectFault({ kind: 'delay', ms: 3_000, method: 'POST', pathPrefix: callPath(first.sid) });
    await page.getByRole('button', { name: `End ${first.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe(`Ending call ${first.sid}…`);
    expect(await endSecond.boundingBox()).toEqual(before);
    // The alert is on screen, over the page's foot, not off it.
    const alert = await page.locator('#alert p').boundingBox();
    const viewport = page.viewportSize();
    expect(alert && viewport && alert.y + alert.height).toBeLessThanOrEqual(viewport?.height ?? 0);
    await page.context().close();
  });

  it('scrolls what the keyboard focuses out from under the alert, in a short window (200 % zoom of a laptop)', async () => {
    const calls = Array.from({ length: 14 }, (_, n) =>
      live({ to: `+1415555${String(400 + n)}`, ageSeconds: 40 + n }),
    );
    const refused = calls[0]!;
    stack.emulator.injectFault({
      kind: 'status',
      status: 400,
      message: 'refused '.repeat(40),
      method: 'POST',
      pathPrefix: callPath(refused.sid),
    });
    const page = await signIn('operator');
    await page.setViewportSize({ width: 640, height: 360 });
    await page.getByRole('button', { name: `End ${refused.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('was not ended');
    await page.evaluate('window.scrollTo(0, 0)');
    // Tab through the page: no control in it that takes the focus may lie under the alert.
    const hidden: string[] = [];
    for (let step = 0; step < 60; step++) {
      await page.keyboard.press('Tab');
      const under = (await page.evaluate(`(() => {
        const focused = document.activeElement;
        const alert = document.querySelector('#alert p');
        if (!focused || !alert || !focused.closest('main')) return null;
        const f = focused.getBoundingClientRect();
        const a = alert.getBoundingClientRect();
        return f.bottom > a.top && f.top < a.bottom ? focused.getAttribute('aria-label') || focused.textContent : null;
      })()`)) as string | null;
      if (under) hidden.push(under);
    }
    expect(hidden).toEqual([]);
    await page.context().close();
  });

  it('isolates right-to-left text from outside: in the rows, the confirmation and the alert', async () => {
    const call = live({ to: '+14155550303', callerName: ARABIC });
    stack.emulator.injectFault({
      kind: 'status',
      status: 400,
      message: HEBREW_MESSAGE,
      method: 'POST',
      pathPrefix: callPath(call.sid),
    });
    const page = await signIn('operator');
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').waitFor();
    expect(await rtlTexts(page, 'main table, dialog')).toEqual([
      { text: ARABIC, isolated: true },
      // The confirmation does not name the caller: only its numbers, which isolate too.
    ]);
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('was not ended');
    const said = await rtlTexts(page, '#alert');
    expect(said.length).toBeGreaterThan(0);
    expect(said.filter((piece) => !piece.isolated)).toEqual([]);
    // The console's own words stay outside the isolate, in the page's direction.
    expect(await page.locator('#alert bdi').evaluateAll((all) => all.map((e) => e.textContent))).toContain(
      call.sid,
    );
    await page.context().close();
  });

  it('isolates only the outside values of a done sentence: the SID and the status, never the console’s “is”', async () => {
    const call = live({ to: '+14155550304' });
    const page = await signIn('operator');
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe(`Call ${call.sid} is completed.`);
    expect(await page.locator('#alert bdi').evaluateAll((all) => all.map((e) => e.textContent))).toEqual([
      call.sid,
      'completed',
    ]);
    await page.context().close();
  });

  it('keeps the console’s own verbs out of the isolates while it ends a call and when the end is refused', async () => {
    const call = live({ to: '+14155550305' });
    const isolated = (page: Page) =>
      page.locator('#alert bdi').evaluateAll((all) => all.map((e) => e.textContent));
    stack.emulator.injectFault({
      kind: 'status',
      status: 400,
      message: HEBREW_MESSAGE,
      method: 'POST',
      pathPrefix: callPath(call.sid),
    });
    const page = await signIn('operator');
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    // Every answer held 2 s, so the sentence said while the end is on its way can be read.
    stack.emulator.setLatency(2_000);
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe(`Ending call ${call.sid}…`);
    expect(await isolated(page)).toEqual([call.sid]);
    stack.emulator.setLatency(0);
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 })
      .toContain('was not ended');
    const [sid, ...rest] = await isolated(page);
    expect(sid).toBe(call.sid);
    expect(rest.join(' ')).not.toContain('was not ended');
    await page.context().close();
  });

  it('keeps its own account of an earlier open attempt (“end at …”) out of the isolates of a later refusal', async () => {
    const call = live({ to: '+14155550306' });
    const page = await signIn('operator');
    let sent = 0;
    // The first end gets a gateway's 503 (it may have applied), the second a refusal.
    await page.route(
      (url) => url.pathname.startsWith(`/console-api/calls/${call.sid}`),
      (route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        sent++;
        const body =
          sent === 1
            ? { status: 503, body: '{"message":"Service Unavailable"}' }
            : {
                status: 429,
                body: '{"error":{"code":"UPSTREAM_RATE_LIMITED","message":"SignalWire is limiting"}}',
              };
        return route.fulfill({ contentType: 'application/json', ...body });
      },
    );
    const end = async () => {
      await page.getByRole('button', { name: `End ${call.sid}` }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    };
    await end();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('may or may not have been ended');
    await end();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('this one was refused');
    const isolated = await page.locator('#alert bdi').evaluateAll((all) => all.map((e) => e.textContent));
    expect(isolated[0]).toBe(call.sid);
    expect(isolated.join(' ')).toContain('SignalWire is limiting');
    expect(isolated.join(' ')).not.toContain('end at');
    await page.context().close();
  });

  it('reads the count aloud once when a filter typed digit by digit settles, and once per later change', async () => {
    for (const to of ['+17770001', '+17770012', '+17770123']) live({ to });
    const page = await signIn('viewer');
    // Every text the live count's spoken copy takes from here on: each would be read aloud.
    await page.evaluate(`(() => {
      window.__said = [];
      const heard = document.querySelector('main p.sr-only[aria-live]');
      new MutationObserver(() => {
        if (heard.textContent) window.__said.push(heard.textContent);
      }).observe(heard, { subtree: true, childList: true, characterData: true });
    })()`);
    const to = page.getByLabel('To');
    await to.focus();
    // The counts on the way: many calls, then the three, then one.
    await to.pressSequentially('177701', { delay: 40 });
    await expect.poll(() => page.evaluate('window.__said')).toEqual([expect.stringMatching(/^1 live call/)]);
    await page.waitForTimeout(1_500);
    expect(await page.evaluate('window.__said')).toHaveLength(1);
    await to.press('Backspace');
    await expect
      .poll(() => page.evaluate('window.__said'))
      .toEqual([expect.stringMatching(/^1 live call/), expect.stringMatching(/^3 live calls/)]);
    await page.context().close();
  });
});
