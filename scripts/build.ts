/**
 * Builds the package into `dist/` (`npm run build`; `npm pack` runs it through `prepack`):
 * - `dist/functions/<variant>/<function>/`: every function bundled with the settings of `infra/runtime.ts`, once
 *   per Powertools Tracer variant. `CallControl` deploys these by default (`bundling: 'prebuilt'`).
 * - `dist/index.js` (ESM) and `dist/index.cjs` (CommonJS): the construct library (`infra/index.ts`) for
 *   Node.js 20 and later, with `aws-cdk-lib` and `constructs` left to the app (peer dependencies) and
 *   everything else it needs inside, so the package has no runtime dependencies.
 * - `dist/types/{esm,cjs}/`: its declarations, once per module format (TypeScript reads a `.d.ts` as the format
 *   of the nearest package.json).
 *
 * Every output is a function of the sources and the lockfile only (no time stamps, no absolute paths), so two
 * builds of the same checkout give the same bytes and the same asset hashes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import {
  bundleFunction,
  FUNCTION_NAMES,
  PACKAGE_ROOT,
  prebuiltBundleDirectory,
  TRACER_FREE_FUNCTIONS,
  writeBundle,
} from '../infra/function-bundles.ts';

const DIST = join(PACKAGE_ROOT, 'dist');

/** Lowest Node.js the library must load on: the lowest `aws-cdk-lib` supports. */
const LIBRARY_TARGET = 'node20';

const buildFunctions = (): void => {
  for (const powertoolsTracer of [false, true]) {
    for (const name of FUNCTION_NAMES) {
      // A function without the Tracer is shipped once, in the default variant (TRACER_FREE_FUNCTIONS).
      if (powertoolsTracer && TRACER_FREE_FUNCTIONS.has(name)) continue;
      const entry = join(PACKAGE_ROOT, 'functions', `${name}.ts`);
      writeBundle(bundleFunction(entry, powertoolsTracer), prebuiltBundleDirectory(name, powertoolsTracer));
    }
  }
};

const buildLibrary = async (): Promise<void> => {
  const common = {
    entryPoints: [join(PACKAGE_ROOT, 'infra', 'index.ts')],
    absWorkingDir: PACKAGE_ROOT,
    bundle: true,
    platform: 'node' as const,
    target: LIBRARY_TARGET,
    // The app's own copies: a second aws-cdk-lib or constructs would break `instanceof` and construct trees.
    // esbuild is only loaded for `bundling: 'source'`, which a checkout of this repository provides.
    external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'esbuild'],
    legalComments: 'eof' as const,
    logLevel: 'warning' as const,
  };
  await build({
    ...common,
    format: 'esm',
    outfile: join(DIST, 'index.js'),
    // Bundled CommonJS (Ajv's runtime helpers) still calls `require`. Not the functions' banner: the library
    // imports `createRequire` itself, and a second binding of that name would not load.
    banner: {
      js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
    },
  });
  await build({
    ...common,
    format: 'cjs',
    outfile: join(DIST, 'index.cjs'),
    define: { 'import.meta.dirname': '__dirname' },
  });
};

const buildDeclarations = (): void => {
  execFileSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.build.json'], {
    cwd: PACKAGE_ROOT,
    stdio: 'inherit',
  });
  const types = join(DIST, 'types');
  const esm = join(types, 'esm');
  for (const file of readdirSync(esm, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.d.ts')) continue;
    // The sources import `./x.ts` (run as is by Node and tsx); a consumer's compiler resolves `./x.js` to
    // `./x.d.ts` whatever its settings, so the declarations say `.js`.
    const text = readFileSync(join(esm, file), 'utf8').replace(/(from '\.{1,2}\/[^']*)\.ts'/g, "$1.js'");
    for (const format of ['esm', 'cjs']) {
      const target = join(types, format, file);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  }
  writeFileSync(join(types, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
};

const started = performance.now();
rmSync(DIST, { recursive: true, force: true });
mkdirSync(DIST, { recursive: true });
buildFunctions();
await buildLibrary();
buildDeclarations();
console.log(`dist/ built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
