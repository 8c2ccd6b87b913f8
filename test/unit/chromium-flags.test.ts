import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS } from '#local/chromium';

const ROOT = join(import.meta.dirname, '..', '..');
/** Every file that starts Chromium for the console: the bench's driver and the browser suites. */
const LAUNCHERS = [
  'bench/console-driver.ts',
  'bench/console.ts',
  'test/support/console-browser.ts',
  'test/support/console-engines.ts',
  'test/browser/console-native.test.ts',
];

describe('one definition of how Chromium is launched', () => {
  it('holds every flag once, in local/chromium.ts', () => {
    expect(new Set(CHROMIUM_ARGS).size).toBe(CHROMIUM_ARGS.length);
    expect(CHROMIUM_ARGS).toContain('--no-sandbox');
  });

  it.each(LAUNCHERS)('%s takes the path and the flags from it, and spells none of its own', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const flag of CHROMIUM_ARGS) expect(text, flag).not.toContain(`'${flag}'`);
    expect(text).not.toMatch(/\/usr\/bin\/chromium/);
    expect(text).not.toMatch(/chromium\.launch\(/);
    expect(text).toMatch(/local\/chromium(?:\.ts)?'/);
  });
});
