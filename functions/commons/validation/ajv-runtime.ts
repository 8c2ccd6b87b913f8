// The helpers of Ajv's runtime that the precompiled validators call (scripts/compile-validators.ts points the
// generated code here instead of at `ajv/dist/runtime/*`). Copied from Ajv 8.20.0 (dist/runtime/ucs2length.js,
// MIT, (c) 2015-2021 Evgeny Poberezkin): Ajv's own files are CommonJS modules whose `default` export reads
// differently through each ES module loader (Node.js, esbuild, Vite), where a named export of an ES module reads
// the same in all of them. The generator refuses a helper that is not here; test/unit/formats.test.ts holds each
// one to Ajv's own.

/**
 * The length of a string in Unicode code points, as JSON Schema's `minLength` and `maxLength` count it: a
 * surrogate pair is one character (https://mathiasbynens.be/notes/javascript-encoding).
 */
export const ucs2length = (str: string): number => {
  const len = str.length;
  let length = 0;
  let pos = 0;
  while (pos < len) {
    length++;
    const value = str.charCodeAt(pos++);
    // A high surrogate followed by a low one.
    if (value >= 0xd800 && value <= 0xdbff && pos < len && (str.charCodeAt(pos) & 0xfc00) === 0xdc00) pos++;
  }
  return length;
};
