import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '#commons/signalwire/types';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { launchChromium } from '../support/console-browser.ts';
import { signInOverHttp } from '../support/console-sign-in.ts';

/**
 * The console in a real browser (Debian's Chromium, driven by playwright-core) against the local stack that
 * `npm start` runs: sign-in per role, the live calls, ending a call, the viewer refused by the API, the kill
 * switch with the typed count, the audit trail, hostile data shown as text, axe-core on every page, and
 * screenshots at 1280 and 390 px (into docs/ with UPDATE_SCREENSHOTS=1).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(ROOT, 'docs', 'console')
  : mkdtempSync(join(tmpdir(), 'shots-'));
const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">\u001b[31mred\u202Eevil';

let stack: LocalStack;
let browser: Browser;
let seeded: Call[];
let hostile: Call;

beforeAll(async () => {
  stack = await startLocalStack({ stateDir: mkdtempSync(join(tmpdir(), 'console-browser-')) });
  seeded = [
    { status: 'in-progress' as const, ageSeconds: 45, to: '+13105550101' },
    { status: 'in-progress' as const, ageSeconds: 600, to: '+13105550102' },
    { status: 'in-progress' as const, ageSeconds: 7_200, to: '+13105550103' },
    { status: 'ringing' as const, ageSeconds: 20, to: '+13105550104' },
    { status: 'queued' as const, ageSeconds: 5, to: '+13105550105' },
  ].map((init) => stack.emulator.seedCall(stack.projectId, init));
  hostile = stack.emulator.seedCall(stack.projectId, {
    status: 'in-progress',
    ageSeconds: 90,
    callerName: HOSTILE_NAME,
    from: '<img src=x onerror=alert(1)>',
    to: '+1555\u0007<b>0100</b>',
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const open = async (width = 1280): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  // Well inside the test's own timeout, so a failure names the step that did not happen.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
};

const signIn = async (page: Page, user: string): Promise<void> => {
  await page.goto(stack.consoleUrl);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`local-${user}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Live calls' }).waitFor();
  await page.getByText(/\d+ live calls?/).waitFor();
};

/** axe-core in the page: no serious or critical violation. */
const expectAccessible = async (page: Page, where: string): Promise<void> => {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    // Runs in the page: `globalThis` is its window (this file is type-checked without the DOM library).
    const axe = (
      globalThis as unknown as {
        axe: {
          run: () => Promise<{
            violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run();
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
  expect(violations, where).toEqual([]);
};

const shoot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  // A PNG's width is bytes 16-19 of its header: the screenshot is as wide as the viewport.
  expect(readFileSync(file).readUInt32BE(16)).toBe(page.viewportSize()?.width);
};

describe('the operator console in Chromium', { timeout: 90_000 }, () => {
  it('signs the operator in, lists the seeded live calls newest first, ends one and shows its audit record naming operator', async () => {
    const page = await open();
    await page.goto(stack.consoleUrl);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'signed out');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Username').waitFor();
    await expectAccessible(page, 'sign-in page');
    await page.goBack();
    await signIn(page, 'operator');
    for (const call of seeded) await page.getByText(call.sid, { exact: true }).waitFor();
    await expectAccessible(page, 'live calls');
    await shoot(page, 'live-calls-1280');

    // No token anywhere but memory, and the code is gone from the URL.
    expect(page.url()).toBe(`${stack.consoleUrl}`);
    const stored = await page.evaluate(() => {
      const { localStorage, sessionStorage } = globalThis as unknown as Record<
        string,
        Record<string, string>
      >;
      return JSON.stringify({ ...localStorage, ...sessionStorage });
    });
    expect(stored).toBe('{}');

    const target = seeded[1] as Call;
    await page.getByRole('button', { name: `End ${target.sid}` }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain(target.sid);
    await expect.poll(() => dialog.textContent()).toContain(target.to);
    await expectAccessible(page, 'end dialog');
    await dialog.getByRole('button', { name: 'End call' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain(`Call ${target.sid} is completed`);
    expect(stack.emulator.getCall(stack.projectId, target.sid)?.status).toBe('completed');

    // The ended call has left the live list; its page is still one in-console address away.
    await page.evaluate((sid) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `#/calls/${sid}`;
    }, target.sid);
    const trail = page.getByRole('region', { name: `Audit trail of call ${target.sid}` });
    await expect.poll(() => trail.textContent()).toContain('jwt:operator');
    await expect.poll(() => trail.textContent()).toContain('updated (completed)');
    await expectAccessible(page, 'call page');
    await page.close();
  });

  it('offers the viewer no way to end a call, and the API refuses the viewer’s token 403', async () => {
    const page = await open();
    await signIn(page, 'viewer');
    await page.getByText(hostile.sid, { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: /^End/ }).count()).toBe(0);
    await page.getByRole('link', { name: seeded[0]?.sid }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    expect(await page.getByRole('button', { name: /^End/ }).count()).toBe(0);

    const token = await signInOverHttp(`http://localhost:${stack.api.port}`, 'viewer', 'local-viewer');
    const answer = await fetch(
      `http://localhost:${stack.api.port}/console-api/calls/${seeded[0]?.sid}/terminate`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(answer.status).toBe(403);
    expect(stack.emulator.getCall(stack.projectId, seeded[0]?.sid ?? '')?.status).toBe('in-progress');
    await page.close();
  });

  it('lets the admin end all matching calls only after typing their number, then shows the summary', async () => {
    const page = await open();
    await signIn(page, 'admin');
    await page.getByRole('link', { name: 'End all' }).click();
    // The live list has a To field too: fill this page's once the hashchange has drawn it.
    await page.getByRole('heading', { name: 'End all matching calls' }).waitFor();
    await page.getByLabel('To').fill('+1310555010');
    await page.getByLabel('Status').selectOption('in-progress');
    await page.getByRole('button', { name: 'Preview' }).click();
    const live = seeded.filter(
      (c) => stack.emulator.getCall(stack.projectId, c.sid)?.status === 'in-progress',
    );
    await page.getByRole('heading', { name: `${live.length} calls match` }).waitFor();
    await expectAccessible(page, 'end-all preview');

    await page.getByRole('button', { name: `End ${live.length} calls…` }).click();
    await page.getByLabel('Type the number of calls to end').fill(String(live.length + 1));
    await page.getByRole('button', { name: 'End all' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Nothing was ended');
    for (const call of live)
      expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');

    await page.getByRole('button', { name: `End ${live.length} calls…` }).click();
    await page.getByLabel('Type the number of calls to end').fill(String(live.length));
    await page.getByRole('button', { name: 'End all' }).click();
    await page.getByText(`Ended: ${live.length}`).waitFor();
    await page.getByText('Failed: 0').waitFor();
    for (const call of live)
      expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Actor').fill('jwt:admin');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText(`${live.length} records`).waitFor();
    await expectAccessible(page, 'audit');
    await shoot(page, 'audit-1280');

    // The cleanup page: a dry run of a policy ends nothing and names the calls it would end.
    await page.getByRole('link', { name: 'Cleanup' }).click();
    await page.getByLabel('In progress over (min)').fill('1');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByText('Would end: 1').waitFor();
    await page.getByRole('region', { name: 'Calls the policy would end' }).getByText(hostile.sid).waitFor();
    expect(stack.emulator.getCall(stack.projectId, hostile.sid)?.status).toBe('in-progress');
    await expectAccessible(page, 'cleanup');
    await page.close();
  });

  it('shows hostile caller names and numbers as text and runs none of it, at 390 px too', async () => {
    const page = await open(390);
    await signIn(page, 'operator');
    const row = page.getByRole('row').filter({ hasText: hostile.sid });
    await expect.poll(() => row.textContent()).toContain('<img src=x onerror="window.__pwned=1">');
    await expect.poll(() => row.textContent()).toContain('\\x1b[31mred\\u202eevil');
    await expect.poll(() => row.textContent()).toContain('+1555\\x07<b>0100</b>');
    expect(await page.locator('main img, main b').count()).toBe(0);
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    await expectAccessible(page, 'live calls, narrow');
    await shoot(page, 'live-calls-390');

    await page.getByRole('link', { name: hostile.sid }).click();
    await page.getByRole('definition').filter({ hasText: '<img src=x onerror=alert(1)>' }).waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    await shoot(page, 'call-390');
    await page.close();
  });
});
