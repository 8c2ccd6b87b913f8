import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallingCall } from '#commons/calling/types';
import type { Call } from '#commons/signalwire/types';
import { launchChromium } from '#local/chromium';
import { type LocalStack, startLocalStack } from '#local/local-stack';

/**
 * The console on calls of both kinds, in a real browser (Debian's Chromium, driven by playwright-core) against
 * the local stack: the kind column and filter over Compatibility and native calls, a native call ended from
 * the console through the Calling API, and a native call's hostile fields shown as text.
 */

const HOSTILE_FROM = '<img src=x onerror="window.__pwned=1">\u001b[31msip:x\u202Eevil';

let stack: LocalStack;
let browser: Browser;
let compat: Call;
let agent: CallingCall;
let swml: CallingCall;
let ivr: CallingCall;
let campaign: CallingCall[];
let sameNumber: Call;

beforeAll(async () => {
  stack = await startLocalStack({ stateDir: mkdtempSync(join(tmpdir(), 'console-native-')) });
  compat = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });
  agent = stack.emulator.native.seed(stack.projectId, {
    status: 'answered',
    ageSeconds: 5_400,
    type: 'relay_sip_call',
    direction: 'inbound',
    url: 'https://example.com/ai-agent.swml',
    from: HOSTILE_FROM,
  });
  swml = stack.emulator.native.seed(stack.projectId, {
    status: 'queued',
    url: 'https://example.com/campaign.swml',
  });
  ivr = stack.emulator.native.seed(stack.projectId, {
    status: 'answered',
    ageSeconds: 30,
    url: 'https://example.com/ivr.swml',
  });
  campaign = [1, 2].map(() =>
    stack.emulator.native.seed(stack.projectId, {
      status: 'queued',
      from: '+14155550177',
      url: 'https://example.com/c.swml',
    }),
  );
  // A Compatibility call from the same number: the Kind filter keeps it out of a native kill switch.
  sameNumber = stack.emulator.seedCall(stack.projectId, {
    status: 'queued',
    ageSeconds: 5,
    from: '+14155550177',
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const signIn = async (user: string): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(stack.consoleUrl);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`local-${user}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Live calls' }).waitFor();
  await page.getByText(/\d+ live calls?/).waitFor();
  return page;
};

const rowOf = (page: Page, sid: string) => page.getByRole('row').filter({ hasText: sid });

describe('the console on calls of both kinds', { timeout: 90_000 }, () => {
  it('shows each call’s kind, filters by kind, and shows a native call’s fields as text', async () => {
    const page = await signIn('viewer');
    for (const sid of [compat.sid, agent.id, swml.id]) await rowOf(page, sid).waitFor();
    await expect.poll(() => rowOf(page, agent.id).textContent()).toContain('Native');
    await expect.poll(() => rowOf(page, compat.sid).textContent()).toContain('Compatibility');
    await expect
      .poll(() => rowOf(page, agent.id).textContent())
      .toContain('<img src=x onerror="window.__pwned=1">');
    await expect.poll(() => rowOf(page, agent.id).textContent()).toContain('\\x1b[31msip:x\\u202eevil');
    expect(await page.locator('main img').count()).toBe(0);
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();

    await page.getByLabel('Kind').selectOption('calling');
    await expect.poll(() => rowOf(page, compat.sid).count()).toBe(0);
    expect(await rowOf(page, agent.id).count()).toBe(1);
    expect(await rowOf(page, swml.id).count()).toBe(1);
    await page.getByLabel('Kind').selectOption('compatibility');
    await expect.poll(() => rowOf(page, agent.id).count()).toBe(0);
    expect(await rowOf(page, compat.sid).count()).toBe(1);
    await page.close();
  });

  it('ends a native call (the AI agent) from the live list, through the Calling API', async () => {
    const page = await signIn('operator');
    await rowOf(page, agent.id).waitFor();
    await page.getByRole('button', { name: `End ${agent.id}` }).click();
    const dialog = page.getByRole('dialog');
    // The confirmation names the call and its kind, each in its own labelled cell.
    expect(await dialog.locator('dt:text-is("Call") + dd').textContent()).toBe(agent.id);
    expect(await dialog.locator('dt:text-is("Kind") + dd').textContent()).toBe('Native');
    await dialog.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain(`Call ${agent.id} is completed`);
    expect(stack.emulator.native.get(stack.projectId, agent.id)?.status).toBe('ended');
    const ends = stack.emulator.requests.filter(
      (request) => request.method === 'POST' && request.path === '/api/calling/calls',
    );
    expect(ends).toHaveLength(1);
    await page.close();
  });

  it('redirects a native call from its page to new SWML, sent without a method', async () => {
    const page = await signIn('operator');
    await page.evaluate((sid) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `#/calls/${sid}`;
    }, ivr.id);
    await page.getByRole('definition').filter({ hasText: 'Native' }).waitFor();
    await page.getByRole('button', { name: 'Redirect…' }).click();
    await page.getByLabel('Instructions URL').fill('https://example.com/hold.swml');
    await page.getByRole('dialog').getByRole('button', { name: 'Redirect call' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain(`Call ${ivr.id} was redirected.`);
    expect(stack.emulator.native.redirectsOf(stack.projectId, ivr.id).map((r) => r.url)).toEqual([
      'https://example.com/hold.swml',
    ]);
    await page.close();
  });

  it('lets the admin cancel a native campaign’s queued calls with the kill switch, the Kind filter keeping Compatibility calls out', async () => {
    const page = await signIn('admin');
    await page.getByRole('link', { name: 'End all' }).click();
    // The live list has a From field too: fill this page's once the hashchange has drawn it.
    await page.getByRole('heading', { name: 'End all matching calls' }).waitFor();
    await page.getByLabel('From').fill('+14155550177');
    await page.getByLabel('Kind').selectOption('calling');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: '2 calls match' }).waitFor();
    await page.getByRole('button', { name: 'End 2 calls…' }).click();
    await page.getByLabel('Type the number of calls to end').fill('2');
    await page.getByRole('button', { name: 'End all' }).click();
    await page.getByText('Ended: 2').waitFor();
    await page.getByText('Failed: 0').waitFor();
    expect(campaign.map((call) => stack.emulator.native.get(stack.projectId, call.id)?.status)).toEqual([
      'canceled',
      'canceled',
    ]);
    expect(stack.emulator.getCall(stack.projectId, sameNumber.sid)?.status).toBe('queued');
    await page.close();
  });
});
