import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Builds the operator console's static files: `index.html`, `console.css` and `console.js` (the TypeScript
 * under `src/`, bundled and minified for current browsers). Deterministic (no time stamps), so the same
 * sources give the same asset hash.
 */
export const buildConsole = async (): Promise<Map<string, Uint8Array>> => {
  const root = import.meta.dirname;
  const result = await build({
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
