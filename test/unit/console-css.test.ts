import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CSS = readFileSync(join(import.meta.dirname, '..', '..', 'console', 'console.css'), 'utf8');

/** Every selector list of the stylesheet (the text before each `{`), comments left out. */
const selectorLists = (): string[][] =>
  [...CSS.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{/g)]
    .map(([, list]) => (list ?? '').trim())
    .filter((list) => !list.startsWith('@'))
    .map((list) => list.split(',').map((selector) => selector.trim()));

describe('the console’s stylesheet in the browsers its build targets (Chrome 120, Firefox 120, Safari 17)', () => {
  it('never puts :has() in a selector list beside a selector without it (Firefox 120 drops the whole rule)', () => {
    const mixed = selectorLists().filter(
      (list) => list.some((s) => s.includes(':has(')) && !list.every((s) => s.includes(':has(')),
    );
    expect(mixed).toEqual([]);
  });
});
