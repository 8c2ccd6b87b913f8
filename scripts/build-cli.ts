/**
 * `npm run build:cli`: bundles the `call-control` CLI into dist/cli/ with esbuild: ESM for Node 20 and later
 * (a consumer may run Node 20), one entry file (`call-control.mjs`, with a shebang) and a chunk per command,
 * so that `--help` parses only the entry and each command loads the AWS SDK or the cleanup engine only when
 * it runs. bin/call-control.mjs runs this bundle when it exists.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CLI_OUT_DIR = `${root}dist/cli`;
export const CLI_BUNDLE = `${CLI_OUT_DIR}/call-control.mjs`;

/**
 * Builds the bundle; returns the entry file's path. Tests that run side by side each pass their own `outDir`,
 * so one build never removes the bundle another is running.
 */
export const buildCli = async (outDir = CLI_OUT_DIR): Promise<string> => {
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: { 'call-control': `${root}cli/call-control.ts` },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Prefer the ESM builds (the AWS SDK ships both): named imports then resolve without CommonJS interop.
    mainFields: ['module', 'main'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    // CommonJS dependencies (parts of the AWS SDK among them) call require().
    banner: {
      js: "import { createRequire as __cliCreateRequire } from 'node:module'; const require = __cliCreateRequire(import.meta.url);",
    },
  });
  // The shebang goes on the entry only; esbuild keeps the source's first-line hashbang there.
  return `${outDir}/call-control.mjs`;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`built ${await buildCli()}`);
}
