import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/local-stack';
import { API_ROOT } from '#local/signalwire/calls';
import { consoleBrowserSuite } from '../support/console-browser.ts';

/**
 * The console with the keyboard only, with motion reduced, and under a dark colour scheme (Debian's
 * Chromium, driven by playwright-core, against the local stack): every stop on the way to End shows where the focus
 * is, the confirmation holds the focus while open and gives it back when closed, nothing on the page moves by itself,
 * and axe-core finds no serious contrast or other violation on any page in a dark scheme.
 */

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** axe-core's serious and critical violations in the page, each with where. */
const AXE_RUN = `axe.run().then((result) => result.violations
  .filter((v) => v.impact === 'serious' || v.impact === 'critical')
  .map((v) => v.id + ': ' + JSON.stringify(v.nodes.map((n) => n.target))))`;

let stack: LocalStack;
const suite = consoleBrowserSuite('console-keyboard');
const { signIn } = suite;
beforeAll(() => {
  stack = suite.stack;
});

/** What the focused element is, and whether the browser draws a focus indicator on it (an outline). */
const FOCUSED = `(() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {
    tag: e.tagName,
    name: e.getAttribute('aria-label') ?? e.textContent.trim().slice(0, 30),
    id: e.id,
    inDialog: e.closest('dialog') !== null,
    outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
  };
})()`;
interface Focused {
  tag: string;
  name: string;
  id: string;
  inDialog: boolean;
  outlined: boolean;
}

describe('the console with the keyboard only', { timeout: 90_000 }, () => {
  it('reaches End by Tab with a visible focus at every stop, traps the focus in the confirmation and gives it back', async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 40 });
    const page = await signIn('operator');
    const focused = () => page.evaluate(FOCUSED) as Promise<Focused>;
    const stops: Focused[] = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const now = await focused();
      stops.push(now);
      if (now.name === `End ${call.sid}`) break;
    }
    expect(stops.at(-1)?.name).toBe(`End ${call.sid}`);
    expect(stops.filter((stop) => !stop.outlined)).toEqual([]);

    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    // Tab and Shift+Tab never leave the dialog for the page behind it (past its last button, the browser's own UI).
    const inside: Focused[] = [await focused()];
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      inside.push(await focused());
    }
    expect(inside.filter((stop) => !stop.inDialog && stop.tag !== 'BODY')).toEqual([]);
    expect(inside.filter((stop) => stop.inDialog && !stop.outlined)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect((await focused()).name).toBe(`End ${call.sid}`);
    expect(stack.emulator.requests.filter((r) => r.method === 'POST' && r.path.includes(call.sid))).toEqual(
      [],
    );

    // Enter again, the confirming button by Tab, Enter: the call ends, and the focus lands on the page, not nowhere.
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    while (!(await focused()).name.startsWith('End call')) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe(`Call ${call.sid} is completed.`);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
    await expect.poll(async () => (await focused()).id).toBe('main');
    await page.context().close();
  });

  it('moves nothing by itself when motion is reduced: no animation, no transition', async () => {
    stack.emulator.seedCall(stack.projectId, { status: 'ringing', ageSeconds: 5 });
    const page = await signIn('admin', {
      prepare: (opened) => opened.emulateMedia({ reducedMotion: 'reduce' }),
    });
    for (const hash of ['#/calls', '#/end-all', '#/audit', '#/cleanup']) {
      await suite.goTo(page, hash);
      await page.locator('main h1').waitFor();
      const moving = await page.evaluate(`[
        ...document.getAnimations().map((a) => 'animation ' + a.constructor.name),
        ...[...document.querySelectorAll('*')]
          .filter((e) => getComputedStyle(e).transitionDuration.split(',').some((d) => parseFloat(d) > 0))
          .map((e) => 'transition on ' + e.tagName),
        ...[...document.querySelectorAll('*')]
          .filter((e) => getComputedStyle(e).scrollBehavior === 'smooth')
          .map((e) => 'smooth scrolling on ' + e.tagName),
      ]`);
      expect(moving, hash).toEqual([]);
    }
    await page.context().close();
  });

  // Under forced colours axe reads the author's colours, not the system colours Chromium paints: no check there.
  it('shows every page and the confirmation with no serious axe violation under a dark colour scheme', async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 80 });
    const page = await signIn('admin', {
      prepare: (opened) => opened.emulateMedia({ colorScheme: 'dark' }),
    });
    const found: Record<string, unknown> = {};
    const check = async (where: string) => {
      await page.evaluate(AXE);
      found[where] = await page.evaluate(AXE_RUN);
    };
    await check('live calls');
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').waitFor();
    await check('end dialog');
    await page.keyboard.press('Escape');
    for (const hash of [`#/calls/${call.sid}`, '#/end-all', '#/audit', '#/cleanup']) {
      await suite.goTo(page, hash);
      await page.locator('main h1').waitFor();
      await check(hash);
    }
    expect(found).toEqual({
      'live calls': [],
      'end dialog': [],
      [`#/calls/${call.sid}`]: [],
      '#/end-all': [],
      '#/audit': [],
      '#/cleanup': [],
    });
    await page.context().close();
  });

  it('keeps the focus through End all by keyboard, and says its summary once when it is done', async () => {
    const from = '+14155550123';
    for (let i = 0; i < 3; i++)
      stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, from });
    const page = await signIn('admin');
    await page.getByRole('link', { name: 'End all' }).click();
    await page.getByRole('heading', { name: 'End all matching calls' }).waitFor();
    await page.getByLabel('From').fill(from);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('button', { name: 'End 3 calls…' }).focus();
    // Every rewrite of the page's status regions from here on: each is read aloud.
    await page.evaluate(`(() => {
      window.__said = [];
      new MutationObserver(() => {
        for (const e of document.querySelectorAll('main [role=status], main [aria-live]'))
          if (e.textContent && window.__said.at(-1) !== e.textContent) window.__said.push(e.textContent);
      }).observe(document.getElementById('main'), { subtree: true, childList: true, characterData: true });
    })()`);
    await page.keyboard.press('Enter');
    await page.getByLabel('Type the number of calls to end').fill('3');
    await page.keyboard.press('Enter');
    await page.getByText('Ended: 3').waitFor();
    expect(await page.evaluate(FOCUSED)).toMatchObject({ tag: 'H2', name: 'Summary', outlined: true });
    expect(await page.evaluate('window.__said')).toEqual(['SummaryEnded: 3Already ended: 0Failed: 0']);
    await page.context().close();
  });

  it('leaves the focus with an operator who types in a filter during End all, and still shows and says the summary', async () => {
    const from = '+14155550124';
    const calls = [0, 1].map(() =>
      stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, from }),
    );
    // Each end is held a while, so the run lasts long enough for the operator to go elsewhere.
    for (const call of calls)
      stack.emulator.injectFault({
        kind: 'delay',
        ms: 1_500,
        method: 'POST',
        pathPrefix: `${API_ROOT}/Accounts/${stack.projectId}/Calls/${call.sid}`,
      });
    const page = await signIn('admin');
    await page.getByRole('link', { name: 'End all' }).click();
    await page.getByRole('heading', { name: 'End all matching calls' }).waitFor();
    await page.getByLabel('From').fill(from);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('button', { name: 'End 2 calls…' }).focus();
    await page.keyboard.press('Enter');
    await page.getByLabel('Type the number of calls to end').fill('2');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(FOCUSED)).toMatchObject({ tag: 'H2', name: 'Ending' });
    // The operator narrows the filter for what comes next while the run goes on.
    await page.getByLabel('From').focus();
    await page.keyboard.type('9');
    await page.getByRole('status').getByText('Ended: 2').waitFor({ timeout: 15_000 });
    expect(await page.evaluate('[document.activeElement.name, document.activeElement.value]')).toEqual([
      'from',
      `${from}9`,
    ]);
    await page.context().close();
  });

  it('reads the live count aloud when the operator’s filter changes it, not at each refresh', async () => {
    const page = await signIn('viewer');
    // Every text the page's live regions take from here on: each is read aloud.
    await page.evaluate(`(() => {
      window.__said = [];
      const regions = '[aria-live], [role=status], [role=alert]';
      new MutationObserver(() => {
        for (const e of document.querySelectorAll(regions))
          if (e.textContent && !window.__said.includes(e.textContent)) window.__said.push(e.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    const before = (await page.locator('.count').textContent()) ?? '';
    const call = stack.emulator.seedCall(stack.projectId, {
      status: 'ringing',
      ageSeconds: 5,
      to: '+14155550199',
    });
    await expect.poll(() => page.locator('.count').textContent(), { timeout: 20_000 }).not.toBe(before);
    expect(await page.evaluate('window.__said')).toEqual([]);
    await page.getByLabel('To').fill(call.to ?? '');
    await expect
      .poll(() => page.evaluate('window.__said'))
      .toEqual([expect.stringMatching(/^1 live call( \(of \d+ live calls\))?$/)]);
    await page.context().close();
  });

  it('keeps no stale count for a screen reader to find once a refresh has changed it', async () => {
    const call = stack.emulator.seedCall(stack.projectId, {
      status: 'ringing',
      ageSeconds: 5,
      to: '+14155550188',
    });
    const page = await signIn('viewer');
    await page.getByLabel('To').fill(call.to ?? '');
    const heard = page.locator('main p.sr-only[aria-live]');
    await expect.poll(() => heard.textContent()).toMatch(/^1 live call/);
    const before = (await page.locator('.count').textContent()) ?? '';
    // Another call, which the filter leaves out: the next refresh changes the count (of N live calls) unspoken.
    stack.emulator.seedCall(stack.projectId, { status: 'ringing', ageSeconds: 5 });
    await expect.poll(() => page.locator('.count').textContent(), { timeout: 20_000 }).not.toBe(before);
    // Read line by line, the page says the count it shows, not the one the filter gave a refresh ago.
    expect([await page.locator('.count').textContent(), ''].includes(await heard.textContent())).toBe(true);
    await page.context().close();
  });

  // Last: the call it leaves live would be a row after the End tests’ own.
  it('names the live calls’ region, table and caption each its own way, so a screen reader says each once', async () => {
    stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 40 });
    const page = await signIn('operator', { width: 760 });
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: Array<{
        ignored: boolean;
        role?: { value: string };
        name?: { value: string };
        description?: { value: string };
      }>;
    };
    const read = nodes
      .filter((node) => !node.ignored && ['region', 'table'].includes(node.role?.value ?? ''))
      .map((node) => [node.role?.value, node.name?.value, node.description?.value]);
    expect(read).toEqual([
      ['region', 'Live calls: scroll area', undefined],
      ['table', 'Live calls', 'Newest first, one call a row'],
    ]);
    await page.context().close();
  });
});
