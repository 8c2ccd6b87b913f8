import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions, BuildResult } from 'esbuild';

/** Where the console's sources are, in a checkout of this package. */
const CONSOLE_ROOT = join(import.meta.dirname, '..', 'console');

/** The part of esbuild this needs: handed in, so the construct library never loads esbuild by itself. */
export interface ConsoleBundler {
  buildSync(
    options: BuildOptions & { write: false },
  ): BuildResult & { outputFiles: Array<{ contents: Uint8Array }> };
}

/**
 * Builds the operator console's static files: `index.html`, `console.css` and `console.js` (the TypeScript
 * under `console/src/`, bundled and minified for current browsers). Deterministic (no time stamps, no paths),
 * so the same sources give the same bytes and asset hash.
 */
export const buildConsoleFiles = (esbuild: ConsoleBundler, root = CONSOLE_ROOT): Map<string, Uint8Array> => {
  const result = esbuild.buildSync({
    entryPoints: [join(root, 'src', 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    write: false,
    outfile: join(root, 'out', 'console.js'),
    legalComments: 'none',
    logLevel: 'warning',
  });
  const script = result.outputFiles[0];
  if (!script) throw new Error('esbuild wrote no console.js');
  return new Map<string, Uint8Array>([
    ['index.html', readFileSync(join(root, 'index.html'))],
    ['console.css', readFileSync(join(root, 'console.css'))],
    ['console.js', script.contents],
  ]);
};
