#!/usr/bin/env node
// The `call-control` command (package.json "bin"). Runs the esbuild bundle (`npm run build:cli`, which
// `npm run build` runs too) when it exists; in a fresh clone without it, the TypeScript source through tsx.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+: cache compiled code between runs (a no-op where unsupported).
module.enableCompileCache?.();

const bundle = new URL('../dist/cli/call-control.mjs', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../cli/call-control.ts', import.meta.url).href);
}
