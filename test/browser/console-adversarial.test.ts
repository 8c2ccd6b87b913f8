import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '#commons/signalwire/types';
import type { LocalStack } from '#local/local-stack';
import { API_ROOT } from '#local/signalwire/calls';
import { consoleBrowserSuite, nextDraw } from '../support/console-browser.ts';
import { signInOverHttp } from '../support/console-sign-in.ts';

/**
 * The console against what no happy path shows (Debian's Chromium, driven by playwright-core, against the local
 * stack): outside values that try to read as the console's own words, answers that fail, go missing or say the
 * call had already ended, a second click and a second tab, leaving a page mid-confirmation or mid-refresh, the
 * keyboard's place across refreshes, and a 320 px screen. Time is the page's fake clock (no sleeps).
 */

/** A `from` written to read as the confirmation's own sentence. */
const SPOOF_FROM = '+15550001 to +15550002, is ringing. It is safe to end: the test line';

/** Polls long enough for an answer the emulator delays on a busy machine (vitest's default is 1 s). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });

let stack: LocalStack;
let origin: string;

const live = (init: Partial<Parameters<LocalStack['emulator']['seedCall']>[1]> = {}): Call =>
  stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, ...init });
const statusOf = (sid: string) => stack.emulator.getCall(stack.projectId, sid)?.status;
const posts = (sid: string) =>
  stack.emulator.requests.filter((r) => r.method === 'POST' && r.path.includes(sid)).length;
/** A fault for the POSTs that change this one call only. */
const onPostsTo = (sid: string) => ({
  method: 'POST' as const,
  pathPrefix: `${API_ROOT}/Accounts/${stack.projectId}/Calls/${sid}`,
});

const suite = consoleBrowserSuite('console-adversarial');
const { newContext, signIn, goTo } = suite;
beforeAll(() => {
  stack = suite.stack;
  origin = `http://localhost:${stack.api.port}`;
});

/** The accessible name the keyboard's focus is on (its `aria-label`). */
const focusedLabel = (page: Page) =>
  page.evaluate(() => {
    const doc = (
      globalThis as unknown as {
        document: { activeElement: { getAttribute(n: string): string | null } | null };
      }
    ).document;
    return doc.activeElement?.getAttribute('aria-label');
  });
const alertText = (page: Page) => page.getByRole('alert').textContent();

describe('the console against hostile data, faults and odd set-ups', { timeout: 90_000 }, () => {
  it('shows each outside value of a confirmation in its own labelled cell, read out as the dialog’s description', async () => {
    const call = live({ from: SPOOF_FROM });
    const page = await signIn('operator');
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    const dialog = page.getByRole('dialog', { name: 'End this call?' });
    // The spoofing text is one value, in the From cell, not part of a sentence naming other numbers.
    expect(await dialog.locator('dt:text-is("From") + dd').textContent()).toBe(SPOOF_FROM);
    expect(await dialog.locator('dt:text-is("To") + dd').textContent()).toBe(call.to);
    expect(await dialog.locator('dt:text-is("Call") + dd').textContent()).toBe(call.sid);
    const described = await dialog.evaluate((element) => {
      const id = element.getAttribute('aria-describedby') ?? '';
      return element.ownerDocument.getElementById(id)?.textContent ?? '';
    });
    expect(described).toContain(call.sid);
    expect(described).toContain(call.to);
    await page.keyboard.press('Escape');
    // Focus goes back where it was, and nothing was sent.
    await poll(() => focusedLabel(page)).toBe(`End ${call.sid}`);
    expect(posts(call.sid)).toBe(0);
    await page.context().close();
  });

  it('redirects when Enter is pressed in the URL field, and sends nothing on Cancel', async () => {
    const call = live();
    const page = await signIn('operator');
    await goTo(page, `#/calls/${call.sid}`);
    await page.getByRole('button', { name: 'Redirect…' }).click();
    await page.getByLabel('Instructions URL').fill('https://example.com/first.xml');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Redirect…' }).click();
    await page.getByLabel('Instructions URL').fill('https://example.com/hold.xml');
    await page.getByLabel('Instructions URL').press('Enter');
    await poll(() => alertText(page)).toContain(`Call ${call.sid} was redirected.`);
    expect(stack.emulator.redirectsOf(call.sid).map((r) => r.url)).toEqual(['https://example.com/hold.xml']);
    await page.context().close();
  });

  it('says a call ended in another tab had already ended, and that nothing was changed', async () => {
    const call = live();
    const page = await signIn('operator');
    await page.getByRole('button', { name: `End ${call.sid}` }).waitFor();
    const token = await signInOverHttp(origin, 'operator', 'local-operator');
    const other = await fetch(`${origin}/console-api/calls/${call.sid}/terminate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(other.status).toBe(200);
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect
      .poll(() => alertText(page))
      .toBe(`Call ${call.sid} had already ended (completed): nothing was changed.`);
    await page.context().close();
  });

  it('sends one end for a second click while the first is on its way', async () => {
    const call = live();
    const page = await signIn('operator');
    stack.emulator.injectFault({ kind: 'delay', ms: 1_500, ...onPostsTo(call.sid) });
    const end = page.getByRole('button', { name: `End ${call.sid}` });
    await end.click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => alertText(page)).toBe(`Ending call ${call.sid}…`);
    await end.click();
    await poll(() => alertText(page)).toContain('already on its way');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    expect(posts(call.sid)).toBe(1);
    await page.context().close();
  });

  it('says a redirect whose answer was lost may have been applied, in the API’s own words', async () => {
    const call = live();
    const page = await signIn('operator');
    await goTo(page, `#/calls/${call.sid}`);
    stack.emulator.injectFault({ kind: 'status', status: 500, ...onPostsTo(call.sid) });
    await page.getByRole('button', { name: 'Redirect…' }).click();
    await page.getByLabel('Instructions URL').fill('https://example.com/hold.xml');
    await page.getByRole('dialog').getByRole('button', { name: 'Redirect call' }).click();
    await expect
      .poll(() => alertText(page))
      .toContain(`Call ${call.sid} may or may not have been redirected`);
    expect(await alertText(page)).toContain('REDIRECT_OUTCOME_UNKNOWN');
    expect(await alertText(page)).toContain('Check the call before trying again.');
    await page.context().close();
  });

  it('says why an end was refused, with the API’s code and message, and that the call was not ended', async () => {
    const call = live();
    const page = await signIn('operator');
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    stack.emulator.injectFault({ kind: 'status', status: 404, ...onPostsTo(call.sid) });
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await expect
      .poll(() => alertText(page))
      .toBe(
        `Call ${call.sid} was not ended: the API answered 404 CALL_NOT_FOUND: SignalWire has no such call.`,
      );
    await page.context().close();
  });

  it('says an end answered by the gateway’s own 503 (the function outlived its timeout) may have happened', async () => {
    const call = live();
    const page = await signIn('operator');
    await page.route('**/console-api/calls/*/terminate', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: '{"message":"Service Unavailable"}',
      }),
    );
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => alertText(page)).toBe(
      `Call ${call.sid} may or may not have been ended: the API answered 503: Service Unavailable. Check the call before trying again.`,
    );
    await page.context().close();
  });

  it.each([
    ['the answer is lost twice (UPSTREAM_UNREACHABLE)', { kind: 'drop', applyFirst: true, times: 2 }],
    [
      'a gateway answers 503 after forwarding, to every retry (UPSTREAM_UNAVAILABLE)',
      {
        kind: 'status',
        status: 503,
        applyFirst: true,
        times: 4,
      },
    ],
  ] as const)('never says "was not ended" of an end SignalWire applied when %s', async (_case, fault) => {
    const call = live();
    const page = await signIn('operator');
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    stack.emulator.injectFault({ ...fault, ...onPostsTo(call.sid) });
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => alertText(page)).toContain(`Call ${call.sid} may or may not have been ended`);
    expect(statusOf(call.sid)).toBe('completed');
    await page.context().close();
  });

  it('going offline mid-action: says the end may or may not have happened, and keeps saying it while refreshes fail', async () => {
    const call = live();
    const page = await signIn('operator', { clock: true });
    // Offline once the end is on its way (offline before it, nothing is sent, and the console says so: presses test).
    await page.route(`**/calls/${call.sid}/terminate`, async (route) => {
      await page.context().setOffline(true);
      await route.abort('internetdisconnected');
    });
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await poll(() => alertText(page)).toContain(`Call ${call.sid} may or may not have been ended`);
    await page.clock.fastForward(5_000);
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain('Could not refresh the live calls');
    expect(await alertText(page)).toContain(`Call ${call.sid} may or may not have been ended`);
    expect(statusOf(call.sid)).toBe('in-progress');
    await page.context().close();
  });

  it('cancels a confirmation left open when the browser goes back, and sends nothing', async () => {
    const call = live();
    const page = await signIn('operator');
    await page.getByRole('link', { name: call.sid }).click();
    await page.getByRole('button', { name: 'End call…' }).click();
    await page.getByRole('dialog').waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: 'Live calls' }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(posts(call.sid)).toBe(0);
    await page.context().close();
  });

  it('keeps the keyboard on the same End button when the list refreshes', async () => {
    const call = live();
    const page = await signIn('operator', { clock: true });
    await page.getByRole('button', { name: `End ${call.sid}` }).focus();
    await nextDraw(page, () => page.clock.fastForward(5_000));
    expect(await focusedLabel(page)).toBe(`End ${call.sid}`);
    await page.context().close();
  });

  it('stops refreshing the live calls once the page is left, even with a refresh in flight', async () => {
    live();
    const page = await signIn('viewer', { clock: true });
    const lists: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/console-api/calls?')) lists.push(request.url());
    });
    stack.emulator.injectFault({ kind: 'delay', ms: 500, method: 'GET', times: 3 });
    const inFlight = page.waitForResponse((r) => r.url().includes('/console-api/calls?'));
    await page.clock.fastForward(5_000);
    await page.getByRole('link', { name: 'Audit' }).click();
    await inFlight;
    await page.getByText(/\d+ records?/).waitFor();
    const before = lists.length;
    await page.clock.fastForward(60_000);
    // Any refresh a timer started has sent its request before this search's answer is drawn.
    const searched = page.waitForResponse((r) => r.url().includes('/console-api/audit?'));
    await page.getByRole('button', { name: 'Search' }).click();
    await searched;
    expect(lists.length).toBe(before);
    stack.emulator.clearFaults();
    await page.context().close();
  });

  it('counts an end-all call that ended by itself after the preview as already ended', async () => {
    const from = '+14155550999';
    const calls = [live({ from }), live({ from })];
    const page = await signIn('admin');
    await page.getByRole('link', { name: 'End all' }).click();
    // The live list has a From field too: fill this page's once the hashchange has drawn it.
    await page.getByRole('heading', { name: 'End all matching calls' }).waitFor();
    await page.getByLabel('From').fill(from);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: '2 calls match' }).waitFor();
    const token = await signInOverHttp(origin, 'operator', 'local-operator');
    await fetch(`${origin}/console-api/calls/${calls[0]?.sid}/terminate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    await page.getByRole('button', { name: 'End 2 calls…' }).click();
    await page.getByLabel('Type the number of calls to end').fill('2');
    await page.getByLabel('Type the number of calls to end').press('Enter');
    await page.getByText('Already ended: 1').waitFor();
    expect(await page.getByText('Ended: 1', { exact: true }).count()).toBe(1);
    expect(statusOf(calls[1]?.sid ?? '')).toBe('completed');
    await page.context().close();
  });

  for (const width of [320, 640]) {
    it(`fits ${width} px (a phone; 1280 px at ${1280 / width}00 % zoom) with long, stacked and unbroken values`, async () => {
      const call = live({
        callerName: `${'x'.repeat(3_000)} a${'\u0301'.repeat(200)}`,
        from: `sip:${'y'.repeat(400)}@example.com`,
      });
      const page = await signIn('operator', { width });
      await page.getByText(call.sid).waitFor();
      expect(
        await page.evaluate(
          () =>
            (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
              .documentElement.scrollWidth,
        ),
      ).toBeLessThanOrEqual(width);
      // A stack of combining marks is cut short, so it cannot paint over the rows around it.
      await expect
        .poll(() => page.getByRole('row').filter({ hasText: call.sid }).textContent())
        .toContain('[+196 marks]');
      await page.getByRole('button', { name: `End ${call.sid}` }).click();
      const box = await page.getByRole('dialog').boundingBox();
      expect(box?.x).toBeGreaterThanOrEqual(0);
      expect((box?.x ?? 0) + (box?.width ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(width);
      await page.keyboard.press('Escape');
      await page.context().close();
    });
  }

  it('shows Sign in, and stops refreshing, when the token expires on an open page', async () => {
    live();
    const page = await signIn('operator', { clock: true });
    await page.clock.fastForward(3_600_000);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await alertText(page)).toBe('Your session ended: sign in again.');
    expect(await page.getByRole('button', { name: /^End/ }).count()).toBe(0);
    await page.context().close();
  });

  it('says an end refused 401 by the API changed nothing, and offers Sign in', async () => {
    const call = live();
    const page = await signIn('operator');
    // As API Gateway answers a token it no longer accepts (a rotated signing key, a revoked session).
    await page.route('**/console-api/calls/*/terminate', (route) =>
      route.fulfill({ status: 401, contentType: 'application/json', body: '{"message":"Unauthorized"}' }),
    );
    await page.getByRole('button', { name: `End ${call.sid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await poll(() => alertText(page)).toBe(
      `Call ${call.sid} was not ended: your session ended or was refused (this request changed nothing); sign in again.`,
    );
    expect(statusOf(call.sid)).toBe('in-progress');
    await page.context().close();
  });

  it('draws its charts in the system colours under forced colours, the lines told apart by dashes', async () => {
    live();
    const context = await newContext();
    const page = await signIn('viewer', { context });
    await page.emulateMedia({ forcedColors: 'active', colorScheme: 'dark' });
    const looks = await page.evaluate(() => {
      type Styled = { getComputedStyle(e: unknown): Record<string, string> };
      const win = globalThis as unknown as Styled & {
        document: { body: unknown; querySelector(s: string): unknown };
      };
      const style = (selector: string) => win.getComputedStyle(win.document.querySelector(selector));
      return {
        text: win.getComputedStyle(win.document.body).color,
        label: style('.chart-label').fill,
        count: style('.chart-count').fill,
        dashes: ['.line-0', '.line-1', '.line-2'].map((line) => style(`polyline${line}`).strokeDasharray),
        // Each status's latest sample, drawn as a dot in its line's colour, which forced colours would lose.
        dots: ['.line-0', '.line-1', '.line-2'].map((line) => style(`.dot${line}`).fill),
      };
    });
    expect(looks.dots).toEqual([looks.text, looks.text, looks.text]);
    expect(looks.label).toBe(looks.text);
    expect(looks.count).toBe(looks.text);
    expect(new Set(looks.dashes).size).toBe(3);
    await context.close();
  });

  it('gives a viewer’s table no nameless action column (a screen reader’s view)', async () => {
    live();
    const page = await signIn('viewer');
    const table = page.getByRole('table', { name: 'Live calls', exact: true });
    const snapshot = await table.ariaSnapshot();
    expect(snapshot).not.toMatch(/- columnheader\s*$/m);
    expect(await table.getByRole('columnheader').allTextContents()).toEqual([
      'Call SID',
      'Status',
      'Kind',
      'From',
      'To',
      'Caller name',
      'Direction',
      'Duration',
    ]);
    await page.context().close();
  });

  it('keeps ordinary words whole at 1280 px while an unbroken outside value wraps in its cell', async () => {
    const call = live({ callerName: 'z'.repeat(400) });
    const page = await signIn('operator');
    const row = page.getByRole('row').filter({ hasText: call.sid });
    await row.waitFor();
    // Lines of text in the Kind and Direction cells ("Compatibility", "outbound"): one each, not broken mid-word.
    const lines = await row.evaluate((tr) =>
      ['Kind', 'Direction'].map((label) => {
        const cell = tr.querySelector(`td[data-label="${label}"]`) as unknown as { firstChild: unknown };
        const doc = (
          globalThis as unknown as {
            document: {
              createRange(): { selectNodeContents(n: unknown): void; getClientRects(): { length: number } };
            };
          }
        ).document;
        const range = doc.createRange();
        range.selectNodeContents(cell.firstChild);
        return range.getClientRects().length;
      }),
    );
    expect(lines).toEqual([1, 1]);
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
            .documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(1280);
    await page.context().close();
  });

  it('never shows the text of a sign-in error link it did not ask for', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${stack.consoleUrl}?error=Your+account+is+locked.+Call+1-800-555-0100&state=x`);
    await poll(() => alertText(page)).toBe('Sign-in failed: the answer did not match the request.');
    expect(page.url()).toBe(stack.consoleUrl);
    await context.close();
  });

  it('says it could not load its settings when config.json fails, instead of loading forever', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.route('**/console/config.json', (route) => route.fulfill({ status: 503, body: 'busy' }));
    await page.goto(stack.consoleUrl);
    await expect
      .poll(() => alertText(page))
      .toBe(
        'The console could not load its settings (the server answered 503). Reload the page to try again.',
      );
    await context.close();
  });
  it('says the audit search shows only the newest records when more match than one answer holds', async () => {
    const token = await signInOverHttp(origin, 'operator', 'local-operator');
    const calls = Array.from({ length: 101 }, () => live());
    for (let i = 0; i < calls.length; i += 20) {
      await Promise.all(
        calls.slice(i, i + 20).map((call) =>
          fetch(`${origin}/console-api/calls/${call.sid}/terminate`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
          }),
        ),
      );
    }
    const page = await signIn('viewer');
    await page.getByRole('link', { name: 'Audit' }).click();
    await page
      .getByText('The newest 100 records; more may match: narrow the search (call, actor, trigger or time).')
      .waitFor();
    expect(
      await page.getByRole('table', { name: 'Audit records', exact: true }).getByRole('row').count(),
    ).toBe(101);
    await page.context().close();
  });

  it('takes the end-all count typed in Arabic-Indic digits, as an Arabic keyboard writes it', async () => {
    const from = '+14155550888';
    const calls = [live({ from }), live({ from })];
    const context = await suite.browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'ar-EG',
    });
    context.setDefaultTimeout(15_000);
    const page = await signIn('admin', { context });
    await page.getByRole('link', { name: 'End all' }).click();
    // The live list has a From field too: fill this page's once the hashchange has drawn it.
    await page.getByRole('heading', { name: 'End all matching calls' }).waitFor();
    await page.getByLabel('From').fill(from);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('button', { name: 'End 2 calls…' }).click();
    await page.getByLabel('Type the number of calls to end').fill('٢');
    await page.getByRole('button', { name: 'End all' }).click();
    await page.getByText('Ended: 2').waitFor();
    expect(calls.map((call) => statusOf(call.sid))).toEqual(['completed', 'completed']);
    await context.close();
  });

  // Last: the thousands of calls it seeds stay live for any test after it.
  it('reads thousands of live calls page by page, and says "at least" when more exist than it reads', async () => {
    const oldest = live({ status: 'queued', ageSeconds: 3_000 });
    for (let i = 0; i < 5_050; i++) live({ status: 'queued', ageSeconds: i % 600 });
    const page = await signIn('viewer');
    // 5 pages of 1000 queued calls (sent with the cursor alone, as the API requires), and the other statuses.
    await poll(() => page.locator('.count').textContent()).toMatch(
      /^at least 5\d{3} live calls; only the newest 5000 of each status are read$/,
    );
    expect(await page.locator('.stale').textContent()).toBe('');
    expect(await page.getByText(oldest.sid).count()).toBe(0);
    await page.context().close();
  });
});
