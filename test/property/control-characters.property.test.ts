import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeJson, visible, visibleBlock } from '../../cli/core/safe-text.ts';
import { visible as visibleInPage } from '../../console/src/text.ts';

// Issue 17 item 7: text from outside is data. Whatever SignalWire, an audit record or a caller puts in a value,
// what the CLI writes to a terminal and what the console puts in a page carries no control character that
// could move the cursor, clear the screen, retitle the window or reorder a line.
const SEED = Number(process.env.FC_SEED ?? 20_261_206);
const RUNS = 2000;

/** C0, DEL, C1, the bidi marks, overrides and isolates, and the zero-width characters. */
const CONTROLS = [
  ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)),
  '\u061c',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
];
/** Hostile text: control characters among ordinary ones, whole escape sequences and markup included. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...CONTROLS),
    fc.constantFrom('\x1b[2J', '\x1b]0;owned\x07', '\x1b[31m', '<img src=x onerror=alert(1)>', '\\x1b'),
    fc.string({ unit: 'grapheme', maxLength: 3 }),
  ),
  maxLength: 40,
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the CLI's own colour codes are the only escapes left
const OWN_STYLES = /\u001b\[(?:1|2|22|31|32|33|39)m/g;

describe(`text from outside, as the CLI and the console show it (seed ${SEED})`, () => {
  it('a value the CLI prints carries no control character at all', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(visible(text)).not.toMatch(TERMINAL_CONTROL);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a block the CLI writes keeps only line feeds and its own colour codes', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const written = visibleBlock(text).replace(OWN_STYLES, '').replaceAll('\n', '');
        expect(written).not.toMatch(TERMINAL_CONTROL);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('JSON output carries every value back unchanged, with no raw control character', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const json = safeJson({ from: text });
        expect(json).not.toMatch(TERMINAL_CONTROL);
        expect(JSON.parse(json)).toEqual({ from: text });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('the console turns every control and bidi character into a visible escape', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(visibleInPage(text)).not.toMatch(TERMINAL_CONTROL);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
