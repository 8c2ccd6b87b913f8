import { describe, expect, it } from 'vitest';
import { visible } from '../../console/src/text.ts';

describe('the console’s visible(): outside text shown as it is', () => {
  it('escapes every invisible format character, not only the bidi ones', () => {
    // Soft hyphen, word joiner, interlinear annotation, a Unicode tag, line and paragraph separators.
    expect(visible('a\u00ADb\u2060c\uFFF9d\u{E0041}e\u2028f\u2029g')).toBe(
      'a\\u{ad}b\\u{2060}c\\u{fff9}d\\u{e0041}e\\u{2028}f\\u{2029}g',
    );
  });

  it('keeps emoji and ordinary combining marks, and cuts a stack of marks short', () => {
    expect(visible('😀 café ❤️ Việt')).toBe('😀 café ❤️ Việt');
    expect(visible(`a${'\u0301'.repeat(10)}b`)).toBe(`a${'\u0301'.repeat(4)}[+6 marks]b`);
  });
});

describe('the end-all count as an operator types it in any locale', () => {
  it('reads any script’s decimal digits and thousands separators, and nothing else', async () => {
    const { asciiDigits } = await import('../../console/src/text.ts');
    expect(asciiDigits(' ١٢ ')).toBe('12');
    expect(asciiDigits('३')).toBe('3');
    expect(asciiDigits('１０')).toBe('10');
    expect(asciiDigits('1,000')).toBe('1000');
    expect(asciiDigits('1.000')).toBe('1000');
    expect(asciiDigits('1\u202f000')).toBe('1000');
    expect(asciiDigits('١٬٠٠٠')).toBe('1000');
    // Not a grouping: these stay as typed and match no count.
    expect(asciiDigits('1.5')).toBe('1.5');
    expect(asciiDigits('10,00')).toBe('10,00');
    expect(asciiDigits('two')).toBe('two');
  });
});
