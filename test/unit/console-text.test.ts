import { describe, expect, it } from 'vitest';
import { visible as cliVisible } from '../../cli/core/safe-text.ts';
import { visible } from '../../console/src/text.ts';

describe('the console’s visible(): outside text shown as it is', () => {
  it('escapes every invisible format character, not only the bidi ones', () => {
    // Soft hyphen, word joiner, interlinear annotation, a Unicode tag, line and paragraph separators.
    expect(visible('a\u00ADb\u2060c\uFFF9d\u{E0041}e\u2028f\u2029g')).toBe(
      'a\\xadb\\u2060c\\ufff9d\\u{e0041}e\\u2028f\\u2029g',
    );
  });

  it('keeps emoji and ordinary combining marks, and cuts a stack of marks short', () => {
    expect(visible('😀 café ❤️ Việt')).toBe('😀 café ❤️ Việt');
    expect(visible(`a${'\u0301'.repeat(10)}b`)).toBe(`a${'\u0301'.repeat(4)}[+6 marks]b`);
  });
});

describe('the console’s visible(): joiners that belong to the text, and joiners that hide', () => {
  it('shows well-formed emoji ZWJ sequences as the emoji they are', () => {
    for (const emoji of ['👩‍💻', '👨‍👩‍👧', '🏳️‍🌈', '👩🏽‍💻', '🏃‍♂️', '🐻‍❄️', '🏴󠁧󠁢󠁥󠁮󠁧󠁿'])
      expect(visible(`Ada ${emoji} Lovelace`)).toBe(`Ada ${emoji} Lovelace`);
  });

  it('keeps a non-joiner inside a Persian word and a joiner or non-joiner after a virama', () => {
    expect(visible('می\u200Cخواهم')).toBe('می\u200Cخواهم');
    expect(visible('क्\u200Dष')).toBe('क्\u200Dष');
    expect(visible('क्\u200Cष')).toBe('क्\u200Cष');
  });

  it('escapes a joiner at either end, between Latin letters or next to a lone emoji', () => {
    expect(visible('\u200Dadmin')).toBe('\\u200dadmin');
    expect(visible('admin\u200D')).toBe('admin\\u200d');
    expect(visible('ad\u200Cmin')).toBe('ad\\u200cmin');
    expect(visible('👩\u200D')).toBe('👩\\u200d');
    expect(visible('👩\u200D a')).toBe('👩\\u200d a');
    // A well-formed sequence with a stray joiner after it: the sequence stays, the stray joiner shows.
    expect(visible('👩‍💻\u200D')).toBe('👩‍💻\\u200d');
    // A non-joiner between an Arabic letter and a Latin one does no word's work.
    expect(visible('ی\u200Ca')).toBe('ی\\u200ca');
  });

  it('escapes a joiner beside a pictograph shown as text (no emoji presentation selector)', () => {
    expect(visible('\u2139\u200D\u2122')).toBe('\u2139\\u200d\u2122');
    expect(visible('\u2122\u200D😀')).toBe('\u2122\\u200d😀');
    expect(visible('😀\u200D\u2139')).toBe('😀\\u200d\u2139');
    // With the selector it is an emoji, as in 🏃‍♂️ and 🐻‍❄️.
    expect(visible('🏃\u200D\u2642\uFE0F')).toBe('🏃\u200D\u2642\uFE0F');
  });

  it('escapes a joiner after a virama unless a letter of the same script follows', () => {
    expect(visible('pay\u094D\u200Dpal')).toBe('pay\u094D\\u200dpal');
    expect(visible('\u0915\u094D\u200D\u0995')).toBe('\u0915\u094D\\u200d\u0995');
    expect(visible('\u0915\u094D\u200C ')).toBe('\u0915\u094D\\u200c ');
    expect(visible('\u0B95\u0BCD\u200D\u0BB7')).toBe('\u0B95\u0BCD\u200D\u0BB7');
  });

  it('still escapes bidi overrides and tag runs, also inside or beside an emoji sequence', () => {
    expect(visible('👩‍💻\u202Eevil')).toBe('👩‍💻\\u202eevil');
    expect(visible('\u2066x\u2069')).toBe('\\u2066x\\u2069');
    // A black flag followed by tags that spell a sentence is not one of the three subdivision flags.
    expect(visible('🏴\u{E0068}\u{E0069}\u{E007F}')).toBe('🏴\\u{e0068}\\u{e0069}\\u{e007f}');
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

  it('shows the characters that draw nothing as the CLI does, in the CLI’s notation, so one value reads the same in both', () => {
    // Hangul and halfwidth Hangul fillers, the combining grapheme joiner, the Khmer inherent vowels, a zero-width
    // space, a BOM, an escape, a C1 control, a soft hyphen, a tag: each written as `call-control` writes it.
    const hidden = [
      '\u3164',
      '\uFFA0',
      '\u115F',
      '\u1160',
      '\u034F',
      '\u17B4',
      '\u17B5',
      '\u200B',
      '\uFEFF',
      '\u001B',
      '\u0085',
      '\u00AD',
      '\u{E0041}',
    ];
    for (const char of hidden) {
      const number = `+1415${char}5550100`;
      expect(visible(number), JSON.stringify(number)).toBe(cliVisible(number));
      expect(visible(number)).not.toBe(number);
    }
    expect(visible('+1415\u31645550100')).toBe('+1415\\u31645550100');
    expect(visible('a\u001bb\u200bc\u{E0041}')).toBe('a\\x1bb\\u200bc\\u{e0041}');
    // A combining mark a value starts with has no base of its own: it would sit on the text before it.
    expect(visible('\u0301\u0301Ada')).toBe('\\u0301\\u0301Ada');
    expect(visible('Ade\u0301le')).toBe('Ade\u0301le');
  });
});
