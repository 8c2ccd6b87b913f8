import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { buildConsoleFiles } from './console-bundle.ts';
import { functionBundleOptions } from './runtime.ts';

/**
 * Root of this package, wherever it lies (a checkout, or `node_modules/signalwire-call-control`): this module
 * sits one level below it both as source (`infra/`) and built (`dist/index.js`, `dist/index.cjs`).
 */
export const PACKAGE_ROOT = join(import.meta.dirname, '..');

/**
 * Where the functions' code comes from. `prebuilt`: the bundles `npm run build` made and the package ships
 * (what the tests ran; no esbuild needed). `source`: bundled from the TypeScript sources at synth time, with
 * the same esbuild settings (a checkout of this repository only; needs esbuild).
 */
export type CallControlBundling = 'prebuilt' | 'source';

/** The functions the package ships, named after their handler file in `functions/`. */
export const FUNCTION_NAMES = [
  'http-api',
  'status-callback',
  'cleanup',
  'call-update-events',
  'audit-search',
  'console-assets',
  'console-pre-token',
  'cleanup-dry-run',
] as const;

/** File of a bundle that exports `handler` (Lambda handler `index.handler`). */
export const BUNDLE_FILE = 'index.mjs';

/**
 * Sub-directory of `dist/functions/` of one build variant. The Powertools Tracer is a build-time switch, so
 * each variant is a bundle of its own.
 */
export const bundleVariant = (powertoolsTracer: boolean): string =>
  powertoolsTracer ? 'powertools-tracer' : 'default';

/**
 * The functions that import nothing of the Powertools Tracer (the console's and the audit search): their
 * Tracer build is byte for byte the default one, so the package ships it once, in `default/`
 * (`test/infra/call-control-function.test.ts` checks that the two builds are the same bytes).
 */
export const TRACER_FREE_FUNCTIONS: ReadonlySet<string> = new Set([
  'audit-search',
  'console-assets',
  'console-pre-token',
]);

/** Whether the function `name` is built with the Tracer when the Tracer variant is asked for. */
const tracedBuild = (name: string, powertoolsTracer: boolean): boolean =>
  powertoolsTracer && !TRACER_FREE_FUNCTIONS.has(name);

/** The variant directory that holds the function `name`'s bundle for the given Tracer setting. */
export const bundleVariantOf = (name: string, powertoolsTracer: boolean): string =>
  bundleVariant(tracedBuild(name, powertoolsTracer));

/** Directory of the prebuilt bundle of the function `name` (a handler file's base name). */
export const prebuiltBundleDirectory = (name: string, powertoolsTracer: boolean): string =>
  join(PACKAGE_ROOT, 'dist', 'functions', bundleVariantOf(name, powertoolsTracer), name);

/** One file of a bundle, relative to the bundle's directory. */
export interface BundleFile {
  readonly path: string;
  readonly contents: Uint8Array;
}

type Esbuild = typeof import('esbuild');

/**
 * esbuild, loaded only when something is bundled: a consumer of the prebuilt bundles never needs it. Resolved
 * from the package root so that the ESM and the CommonJS build find the same copy.
 */
const loadEsbuild = (): Esbuild => {
  try {
    return createRequire(join(PACKAGE_ROOT, 'package.json'))('esbuild') as Esbuild;
  } catch (error) {
    throw new Error(
      "bundling 'source' needs esbuild (a devDependency of this repository); use the prebuilt bundles instead",
      { cause: error },
    );
  }
};

/**
 * Bundles the handler `entry` with the settings of `infra/runtime.ts`. The output is laid out as if written to
 * `prebuiltBundleDirectory(<entry's base name>)` (the source map's paths are relative to it), wherever the
 * caller then writes it: a bundle made at synth time is byte for byte the prebuilt one of the same sources.
 */
export const bundleFunction = (entry: string, powertoolsTracer: boolean): BundleFile[] => {
  const directory = prebuiltBundleDirectory(basename(entry, '.ts'), powertoolsTracer);
  const result = loadEsbuild().buildSync({
    ...functionBundleOptions(tracedBuild(basename(entry, '.ts'), powertoolsTracer)),
    entryPoints: [entry],
    outfile: join(directory, BUNDLE_FILE),
    // Paths esbuild prints into the output (legal comments) are relative to this, not to the shell's cwd.
    absWorkingDir: PACKAGE_ROOT,
    write: false,
    logLevel: 'warning',
    // The console-assets function serves the console's files: they travel inside its bundle, as one constant.
    ...(basename(entry, '.ts') === 'console-assets'
      ? { define: { CONSOLE_FILES: consoleFilesConstant() } }
      : {}),
  });
  return result.outputFiles
    .map((file) => ({ path: relative(directory, file.path), contents: file.contents }))
    .sort((a, b) => a.path.localeCompare(b.path));
};

/** The console's files as a JSON string literal: `{ "<name>": "<base64>" }`. */
const consoleFilesConstant = (): string =>
  JSON.stringify(
    JSON.stringify(
      Object.fromEntries(
        [...buildConsoleFiles(loadEsbuild())].map(([name, bytes]) => [
          name,
          Buffer.from(bytes).toString('base64'),
        ]),
      ),
    ),
  );

/** Writes a bundle's files into `directory`. */
export const writeBundle = (files: readonly BundleFile[], directory: string): void => {
  for (const file of files) {
    const target = join(directory, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.contents);
  }
};

/** The prebuilt bundle's directory, or a clear error when this package was not built. */
export const requirePrebuiltBundle = (name: string, powertoolsTracer: boolean): string => {
  const directory = prebuiltBundleDirectory(name, powertoolsTracer);
  if (!existsSync(join(directory, BUNDLE_FILE))) {
    throw new Error(
      `no prebuilt bundle of the ${name} function at ${directory}: run \`npm run build\` in this package, ` +
        "or bundle from the sources with bundling: 'source'",
    );
  }
  return directory;
};
