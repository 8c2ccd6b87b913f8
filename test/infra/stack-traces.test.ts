import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../infra/function-bundles.ts';
import { functionBundleOptions } from '../../infra/runtime.ts';
import { projectScratchDirectory } from './support.ts';

/**
 * A function bundle maps its own stack traces (functions/commons/platform/source-mapped-stacks.ts): the functions
 * run without `--enable-source-maps`, which would read and parse the whole source map at every cold start, and
 * their logs still point at the TypeScript sources, written exactly as `--enable-source-maps` writes them.
 */
const scratch = projectScratchDirectory();
const entry = join(scratch, 'failing.ts');
const bundle = join(scratch, 'out', 'index.mjs');

// A handler as the functions write one: the prelude first, errors logged by the Powertools logger.
const ENTRY_LINES = [
  "import '#commons/platform/bundle-prelude';",
  "import { Logger } from '@aws-lambda-powertools/logger';",
  '',
  'class Dial {',
  '  constructor(private readonly digits: string) {}',
  '  call(): never {',
  "    throw new RangeError('no route to ' + this.digits.length + ' digits');",
  '  }',
  '}',
  'const reserve = (bytes: number) => Buffer.alloc(bytes);',
  "const logger = new Logger({ serviceName: 'stack-test' });",
  'export const handler = async (which: string) => {',
  '  try {',
  "    if (which === 'node') reserve(-1);",
  "    new Dial('+15551234567').call();",
  '  } catch (error) {',
  "    logger.error('failed', error as Error);",
  '  }',
  '};',
  '',
];
/** 1-based line of `needle` in the entry. */
const lineOf = (needle: string): number => ENTRY_LINES.findIndex((line) => line.includes(needle)) + 1;

/** Imports the bundle in a fresh `node`, runs `script` (which sees `handler`), returns the logged `error`. */
const run = (script: string, nodeOptions: string[] = []): Array<Record<string, string>> => {
  // The logger writes ERROR lines to stderr.
  const { stderr: output, status } = spawnSync(
    process.execPath,
    [
      ...nodeOptions,
      '--input-type=module',
      '-e',
      `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});\n${script}`,
    ],
    { encoding: 'utf8', env: { PATH: process.env.PATH, NODE_OPTIONS: '' } },
  );
  expect(status, output).toBe(0);
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { error: Record<string, string> }).error);
};

beforeAll(async () => {
  writeFileSync(entry, ENTRY_LINES.join('\n'));
  await build({
    ...functionBundleOptions(false),
    entryPoints: [entry],
    outfile: bundle,
    absWorkingDir: join(import.meta.dirname, '..', '..'),
    logLevel: 'silent',
  });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('stack traces of a function bundle', () => {
  it('point at the TypeScript source in the logs, without --enable-source-maps', () => {
    // Act
    const [error] = run("await handler('dial');");

    // Assess: the throw in Dial.call, then its caller, at their lines and columns in failing.ts.
    const throwAt = `${entry}:${lineOf('throw new RangeError')}:11`;
    expect(error?.location).toBe(`${entry}:${lineOf('throw new RangeError')}`);
    expect(error?.stack).toContain('RangeError: no route to 12 digits\n    at ');
    expect(error?.stack?.split('\n')[1]).toMatch(new RegExp(`\\.call \\(${throwAt}\\)$`));
    expect(error?.stack?.split('\n')[2]).toContain(`(${entry}:${lineOf("new Dial('+15551234567')")}:`);
    expect(error?.stack).not.toContain('index.mjs');
  });

  it('read exactly as --enable-source-maps writes them, Node errors with their code included', () => {
    // Act
    const lazily = run("await handler('dial'); await handler('node');");
    const byNode = run("await handler('dial'); await handler('node');", ['--enable-source-maps']);

    // Assess
    expect(lazily[1]?.stack).toMatch(/^RangeError \[ERR_OUT_OF_RANGE\]: The value of "size" is out of range/);
    expect(lazily[1]?.stack).toContain(`(${entry}:${lineOf('const reserve')}:`);
    expect(lazily.map((error) => error.stack)).toEqual(byNode.map((error) => error.stack));
  });

  it('read the source map at the first stack trace, not when the bundle loads', () => {
    // Prepare: the map is moved away after the import and before the first stack trace; then put back.
    const moveMap = (to: string) =>
      `(await import('node:fs')).renameSync(${JSON.stringify(`${bundle}.map`)}, ${JSON.stringify(to)});`;
    const aside = `${bundle}.aside`;

    // Act
    const [unmapped] = run(`${moveMap(aside)}\nawait handler('dial');`);
    renameSync(aside, `${bundle}.map`);
    const [mapped, stillMapped] = run(`await handler('dial');\n${moveMap(aside)}\nawait handler('dial');`);
    renameSync(aside, `${bundle}.map`);

    // Assess: without the map the frames stay in the bundle; once read, the map is kept.
    expect(unmapped?.stack?.split('\n')[1]).toMatch(/index\.mjs:\d+:\d+\)$/);
    expect(mapped?.stack).toContain(entry);
    const framesOfEntry = (stack = '') => stack.split('\n').filter((line) => line.includes(entry));
    expect(framesOfEntry(stillMapped?.stack)).toEqual(framesOfEntry(mapped?.stack));
    expect(framesOfEntry(mapped?.stack)).toHaveLength(2);
  });

  it('stay readable when a frame cannot be mapped: a source no file path can name leaves that frame unmapped', () => {
    // Prepare: every source of the map made a URL that `fileURLToPath` refuses (an encoded slash); then put back.
    const original = readFileSync(`${bundle}.map`, 'utf8');
    const map = JSON.parse(original) as { sources: string[] };
    writeFileSync(`${bundle}.map`, JSON.stringify({ ...map, sources: map.sources.map(() => 'a%2Fb.ts') }));

    // Act: `run` fails the test if the process exits on an error thrown while the stack was written.
    let error: Record<string, string> | undefined;
    try {
      [error] = run("await handler('dial');");
    } finally {
      writeFileSync(`${bundle}.map`, original);
    }

    // Assess: the message, and the frame in the bundle as V8 writes it.
    expect(error?.stack).toContain('RangeError: no route to 12 digits\n    at ');
    expect(error?.stack?.split('\n')[1]).toMatch(/index\.mjs:\d+:\d+\)$/);
  });

  it.each([...FUNCTION_NAMES])(
    'are mapped in the %s function too: its handler imports the prelude before anything else',
    (name) => {
      const source = readFileSync(join(import.meta.dirname, '..', '..', 'functions', `${name}.ts`), 'utf8');

      expect(source.split('\n')[0]).toBe("import '#commons/platform/bundle-prelude';");
    },
  );
});
