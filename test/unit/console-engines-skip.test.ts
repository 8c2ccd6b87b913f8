import { describe, expect, it, vi } from 'vitest';
import { describeInEngine, type Engine } from '../support/console-engines.ts';

/**
 * How the console's cross-browser checks treat a browser that is not installed: skipped with a warning that names
 * the block and says how to install the browser, or, when CI requires every browser, not skipped (its block fails).
 */

const absent: Engine = {
  name: 'Firefox',
  missing: () => 'Firefox is needed at /nowhere/firefox-esr (apt-get install -y firefox-esr)',
  launch: () => Promise.reject(new Error('not installed')),
  newContext: () => Promise.reject(new Error('not installed')),
  close: () => Promise.resolve(),
};

let warned: string[] = [];
let skipped: string | undefined;
let required: string | undefined;
// Registered under a skipped parent: the block a required browser gets never runs here (its launch would fail).
describe.skip('blocks of a browser that is not installed', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  skipped = describeInEngine(
    absent,
    'the console in Firefox at a 48 px default font size',
    () => undefined,
    false,
  );
  required = describeInEngine(absent, 'the console in Firefox', () => undefined, true);
  warned = warn.mock.calls.map(([message]) => String(message));
  warn.mockRestore();
});

describe('a console browser block when its browser is not installed', () => {
  it('is skipped with a warning naming the block, what is missing and how to install it', () => {
    const expected =
      'skipping the console in Firefox at a 48 px default font size: Firefox is needed at /nowhere/firefox-esr ' +
      '(apt-get install -y firefox-esr) (README, "Operator console", Tests)';
    expect(skipped).toBe(expected);
    expect(warned).toEqual([expected]);
  });

  it('is not skipped when CI requires every browser (its launch fails instead)', () => {
    expect(required).toBeUndefined();
  });
});
