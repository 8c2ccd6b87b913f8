import ajvUcs2length from 'ajv/dist/runtime/ucs2length.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ucs2length } from '#commons/validation/ajv-runtime';
import * as copiedFormats from '#commons/validation/formats';

/**
 * functions/commons/validation/formats.ts copies the formats the schemas use from ajv-formats, which the
 * validators are compiled and tested with (test/property/generated-validators.property.test.ts compares the
 * generated code, which calls the copies, with Ajv and ajv-formats themselves). Here each copy answers as
 * ajv-formats' own on URL-shaped and arbitrary text, so an upgrade of ajv-formats that changes a format fails.
 */

const formats: Readonly<Record<string, (value: string) => boolean>> = { ...copiedFormats };

const URL_CHARS = [...'abcXYZ019:/?#[]@!$&\'()*+,;=-._~% <>"{}|\\^`é'];
const urlish = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webUrl().map((url) => url.replace('//', '//user:pw@')),
  fc
    .tuple(
      fc.constantFrom('http://', 'https://', 'ftp://', 'sip:', 'urn:', 'HTTP://', '', '//'),
      fc.string({ unit: fc.constantFrom(...URL_CHARS) }),
    )
    .map(([scheme, rest]) => scheme + rest),
  fc.string(),
);

describe('the formats copied from ajv-formats', () => {
  it('are the ones ajv-formats has, by name', () => {
    expect(Object.keys(formats)).toEqual(['uri']);
    for (const name of Object.keys(formats)) expect(fullFormats).toHaveProperty(name);
  });

  it.each([
    'https://example.com/laml',
    'HTTP://example.com:8080/x?y#z',
    'https://[::1]:443/',
    'https://exa mple.com/',
    'https://example.com/%zz',
    'urn:isbn:0451450523',
    'example.com/no-scheme',
    '',
  ])('uri answers as ajv-formats for %j', (value) => {
    expect(formats.uri?.(value)).toBe((fullFormats.uri as (value: string) => boolean)(value));
  });

  it('uri answers as ajv-formats on any text', () => {
    fc.assert(
      fc.property(
        urlish,
        (value) => formats.uri?.(value) === (fullFormats.uri as (value: string) => boolean)(value),
      ),
      { seed: 20_261_206, numRuns: 5000 },
    );
  });
});

describe('the runtime helpers copied from Ajv', () => {
  it.each(['', 'abc', 'é', '😀', 'a😀b', '\uD83D', '\uDE00', '\uD83D\uD83D\uDE00', '\uDE00\uD83D'])(
    'ucs2length counts %j as Ajv does',
    (value) => {
      expect(ucs2length(value)).toBe(ajvUcs2length(value));
    },
  );

  it('ucs2length counts any text as Ajv does, surrogate pairs as one character', () => {
    fc.assert(
      fc.property(
        fc
          .array(
            fc.oneof(fc.constantFrom('\uD83D', '\uDE00', 'a'), fc.string({ unit: 'binary', maxLength: 1 })),
          )
          .map((parts) => parts.join('')),
        (value) => ucs2length(value) === ajvUcs2length(value),
      ),
      { seed: 20_261_206, numRuns: 5000 },
    );
  });
});
