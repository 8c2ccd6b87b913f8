import type { Page } from 'playwright-core';

/**
 * This browser's lock manager as a test drives it (`window.__locks`): `query` and `request` pass through, wait until
 * the test releases them (`hold`), or reject as a browser refusing the Locks API does (`fail`).
 */
const DRIVEN_LOCKS = () => {
  const w = globalThis as unknown as {
    navigator: { locks: Record<'query' | 'request', (...args: unknown[]) => Promise<unknown>> };
    DOMException: new (message: string, name: string) => Error;
    __locks: { query: string; request: string; held: Array<() => void> };
  };
  const state = { query: 'pass', request: 'pass', held: [] as Array<() => void> };
  w.__locks = state;
  const { locks } = w.navigator;
  for (const name of ['query', 'request'] as const) {
    const real = locks[name].bind(locks);
    locks[name] = (...args: unknown[]) => {
      if (state[name] === 'fail')
        return Promise.reject(new w.DOMException('The request was denied.', 'SecurityError'));
      if (state[name] === 'hold')
        return new Promise((resolve) => state.held.push(() => resolve(real(...args))));
      return real(...args);
    };
  }
};
/** Drives the page's lock manager from its first document on (a `prepare` of `signIn`). */
export const driveLocks = async (page: Page): Promise<void> => {
  await page.addInitScript(DRIVEN_LOCKS);
};
type Locks = { query: string; request: string; held: Array<() => void> };
/** Sets how `query` and `request` answer from now on: `pass`, `hold` or `fail`. */
export const setLocks = (page: Page, mode: Partial<Omit<Locks, 'held'>>) =>
  page.evaluate((m) => Object.assign((globalThis as unknown as { __locks: Locks }).__locks, m), mode);
/** Lets every held `query` and `request` go on to the real lock manager. */
export const releaseLocks = (page: Page) =>
  page.evaluate(() => {
    const state = (globalThis as unknown as { __locks: Locks }).__locks;
    for (const release of state.held.splice(0)) release();
  });
/** Waits until the page has a lock manager call held (its press is checking the lock). */
export const lockHeldByTest = (page: Page) =>
  page.waitForFunction(() => (globalThis as unknown as { __locks: Locks }).__locks.held.length > 0);
