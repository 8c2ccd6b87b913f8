import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '#commons/signalwire/types';
import { type LocalStack, startLocalStack } from '#local/local-stack';

/**
 * The console against what the adversarial suite did not name (Debian's Chromium, driven by playwright-core,
 * against the local stack): an attempt whose outcome is open followed by a refusal, in one tab or two; calls
 * without numbers; emoji and joiners in names; hostile widths at 1280 and 320 px; thousands of rows kept across
 * refreshes; answers that are not the API's; a call listed twice.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });

let stack: LocalStack;
let browser: Browser;

const live = (init: Partial<Parameters<LocalStack['emulator']['seedCall']>[1]> = {}): Call =>
  stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30, ...init });
const statusOf = (sid: string) => stack.emulator.getCall(stack.projectId, sid)?.status;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium)`);
  stack = await startLocalStack({ stateDir: mkdtempSync(join(tmpdir(), 'console-hardening-')) });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const newContext = async (width = 1280): Promise<BrowserContext> => {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  context.setDefaultTimeout(15_000);
  return context;
};

/** Signs in; with `clock`, the page's timers run only when the test moves its fake clock. */
const signIn = async (
  user: string,
  options: { width?: number; clock?: boolean; context?: BrowserContext } = {},
): Promise<Page> => {
  const context = options.context ?? (await newContext(options.width));
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  if (options.clock) await page.clock.install();
  await page.goto(stack.consoleUrl);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`local-${user}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Live calls' }).waitFor();
  await page.getByText(/\d+ live calls?/).waitFor();
  await page.getByText('Calls ended today, by trigger').waitFor();
  return page;
};

const goTo = (page: Page, hash: string) =>
  page.evaluate((to) => {
    location.hash = to;
  }, hash);
const alertText = (page: Page) => page.getByRole('alert').textContent();
/** Waits until the live list has been drawn again after `move` (a refresh asks for its chart's records next). */
const nextDraw = async (page: Page, move: () => Promise<unknown>): Promise<void> => {
  const charted = page.waitForRequest((request) => request.url().includes('/console-api/audit?'));
  await move();
  await charted;
};
/** Answers the console's change requests to one call with `answers` in turn (the last one from then on). */
const answerChanges = async (
  target: Page | BrowserContext,
  sid: string,
  answers: Array<{ status: number; body: string; contentType?: string }>,
) => {
  let sent = 0;
  await target.route(
    (url) => url.pathname.startsWith(`/console-api/calls/${sid}`),
    (route: Route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      const answer = answers[Math.min(sent++, answers.length - 1)] ?? answers[0];
      return route.fulfill({ contentType: 'application/json', ...answer });
    },
  );
  return () => sent;
};
const endFromList = async (page: Page, sid: string) => {
  await page.getByRole('button', { name: `End ${sid}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
};
const GATEWAY_503 = { status: 503, body: '{"message":"Service Unavailable"}' };
const RATE_LIMITED = {
  status: 429,
  body: '{"error":{"code":"UPSTREAM_RATE_LIMITED","message":"SignalWire is limiting requests"}}',
};

describe('an attempt whose outcome is open, then a refusal', { timeout: 90_000 }, () => {
  it('never says "was not ended" when a second press is refused after a 503 that may have applied', async () => {
    const call = live();
    const page = await signIn('operator');
    const sent = await answerChanges(page, call.sid, [GATEWAY_503, RATE_LIMITED]);
    await endFromList(page, call.sid);
    await poll(() => alertText(page)).toContain(`Call ${call.sid} may or may not have been ended`);
    await endFromList(page, call.sid);
    await poll(() => sent()).toBe(2);
    await poll(() => alertText(page)).toContain('this one was refused');
    const said = await alertText(page);
    expect(said).not.toContain('was not ended');
    expect(said).toContain(`Call ${call.sid} may or may not have been ended: an earlier attempt (end at `);
    expect(said).toContain('UPSTREAM_RATE_LIMITED: SignalWire is limiting requests');
    expect(said).toContain('Check the call before trying again.');
    await page.context().close();
  });

  it('settles the open outcome once an answer says the call ended: a later refusal is "not ended" again', async () => {
    const call = live();
    const page = await signIn('operator');
    const sent = await answerChanges(page, call.sid, [
      { status: 502, body: '{"error":{"code":"UPSTREAM_UNREACHABLE","message":"the answer was lost"}}' },
      { status: 200, body: JSON.stringify({ ...call, status: 'completed' }) },
      RATE_LIMITED,
    ]);
    await endFromList(page, call.sid);
    await poll(() => alertText(page)).toContain('may or may not have been ended');
    await endFromList(page, call.sid);
    await poll(() => alertText(page)).toBe(`Call ${call.sid} is completed.`);
    await endFromList(page, call.sid);
    await poll(() => sent()).toBe(3);
    await poll(() => alertText(page)).toBe(
      `Call ${call.sid} was not ended: the API answered 429 UPSTREAM_RATE_LIMITED: SignalWire is limiting requests.`,
    );
    await page.context().close();
  });

  it('says a redirect refused after a lost answer may or may not have applied, on the call’s page', async () => {
    const call = live();
    const page = await signIn('operator');
    await goTo(page, `#/calls/${call.sid}`);
    await answerChanges(page, call.sid, [
      { status: 504, body: '{"error":{"code":"UPSTREAM_TIMEOUT","message":"SignalWire did not answer"}}' },
      RATE_LIMITED,
    ]);
    for (const attempt of [1, 2]) {
      await page.getByRole('button', { name: 'Redirect…' }).click();
      await page.getByLabel('Instructions URL').fill('https://example.com/hold.xml');
      await page.getByRole('dialog').getByRole('button', { name: 'Redirect call' }).click();
      await poll(() => alertText(page)).toContain(attempt === 1 ? 'may or may not' : 'this one was refused');
    }
    expect(await alertText(page)).toContain(`Call ${call.sid} may or may not have been redirected`);
    expect(await alertText(page)).not.toContain('was not redirected');
    await page.context().close();
  });

  it('knows in a second tab that the first tab’s end may have applied, and says so of its own refusal', async () => {
    const call = live();
    const context = await newContext();
    const first = await signIn('operator', { context });
    const second = await signIn('operator', { context });
    await answerChanges(context, call.sid, [GATEWAY_503, RATE_LIMITED]);
    await endFromList(first, call.sid);
    await poll(() => alertText(first)).toContain('may or may not have been ended');
    await endFromList(second, call.sid);
    await poll(() => alertText(second)).toContain('this one was refused');
    expect(await alertText(second)).not.toContain('was not ended');
    await context.close();
  });
});

describe('the console against set-ups and answers no other suite names', { timeout: 90_000 }, () => {
  it('sends one end for two tabs pressing End on the same call while the first is on its way', async () => {
    const call = live();
    const context = await newContext();
    const first = await signIn('operator', { context });
    const second = await signIn('operator', { context });
    stack.emulator.injectFault({
      kind: 'delay',
      ms: 2_000,
      method: 'POST',
      pathPrefix: `/api/laml/2010-04-01/Accounts/${stack.projectId}/Calls/${call.sid}`,
    });
    await endFromList(first, call.sid);
    await poll(() => alertText(first)).toBe(`Ending call ${call.sid}…`);
    await second.getByRole('button', { name: `End ${call.sid}` }).click();
    await poll(() => alertText(second)).toContain('already on its way (from this tab or another)');
    expect(await second.getByRole('dialog').count()).toBe(0);
    await poll(() => alertText(first)).toBe(`Call ${call.sid} is completed.`);
    const posts = stack.emulator.requests.filter((r) => r.method === 'POST' && r.path.includes(call.sid));
    expect(posts.length).toBe(1);
    await context.close();
  });

  it.each([
    [
      'an HTML page',
      { status: 200, contentType: 'text/html', body: '<html><body>Sign in to the proxy</body></html>' },
    ],
    ['an empty 200', { status: 200, contentType: 'text/plain', body: '' }],
  ])('says an end answered by %s may or may not have happened, never that it did', async (_case, answer) => {
    const call = live();
    const page = await signIn('operator');
    await answerChanges(page, call.sid, [answer]);
    await endFromList(page, call.sid);
    await poll(() => alertText(page)).toContain(`Call ${call.sid} may or may not have been ended`);
    expect(await alertText(page)).toContain("was not the API's");
    await page.context().close();
  });

  it('keeps the last list, and says why, when a refresh is answered by an HTML page', async () => {
    const call = live();
    const page = await signIn('viewer', { clock: true });
    await page.route('**/console-api/calls?*', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><p>maintenance</p>' }),
    );
    await page.clock.fastForward(5_000);
    await poll(() => page.getByRole('status').textContent()).toContain(
      "Could not refresh the live calls: the answer (200) was not the API's: not JSON.",
    );
    expect(await page.getByRole('link', { name: call.sid }).count()).toBe(1);
    await page.context().close();
  });

  it('shows a call once, and counts it once, when it moved on between the list requests of two statuses', async () => {
    const call = live({ status: 'in-progress' });
    const page = await signIn('viewer', { clock: true });
    const before = Number((await page.locator('.count').textContent())?.match(/^\d+/)?.[0]);
    // The ringing list was read before the call was answered: it is in both answers.
    await page.route('**/console-api/calls?*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { calls: Call[] };
      if (route.request().url().includes('status=ringing'))
        body.calls.push({ ...(body.calls[0] ?? call), sid: call.sid, status: 'ringing' });
      await route.fulfill({ response, json: body });
    });
    await nextDraw(page, () => page.clock.fastForward(5_000));
    expect(await page.getByRole('link', { name: call.sid }).count()).toBe(1);
    expect(await page.locator('.count').textContent()).toMatch(new RegExp(`^${before} live calls`));
    await page.context().close();
  });
});
