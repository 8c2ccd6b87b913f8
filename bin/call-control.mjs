#!/usr/bin/env node
// The `call-control` command (package.json "bin"). Runs the esbuild bundle (`npm run build:cli`, which
// `npm run build` runs too) when it exists; in a fresh clone without it, the TypeScript source through tsx.
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where to keep compiled code between runs: a folder of this user's alone in the temporary folder, or nothing.
 * Not Node's default, `<tmpdir>/node-compile-cache`: that folder is shared by every user of the machine, and
 * whoever makes it first owns it, so another user could put compiled code there that root's next run executes
 * (Node checks an entry's checksums, which anyone can compute, not who wrote it). A folder already there that is
 * not this user's, not a folder (a symbolic link), or writable by others is not used: no cache, same commands.
 */
const ownCacheFolder = () => {
  const uid = process.getuid?.();
  // Windows: the temporary folder is the user's own already.
  if (uid === undefined) return join(tmpdir(), 'call-control-compile-cache');
  const folder = join(tmpdir(), `call-control-compile-cache-${uid}`);
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    if (error?.code !== 'EEXIST') return undefined;
  }
  try {
    const found = lstatSync(folder);
    return found.isDirectory() && found.uid === uid && (found.mode & 0o022) === 0 ? folder : undefined;
  } catch {
    return undefined;
  }
};

// Node 22.1+ (a no-op where unsupported): NODE_COMPILE_CACHE, when set, is the operator's folder and Node has
// turned the cache on already; NODE_DISABLE_COMPILE_CACHE keeps it off (and no folder is made).
if (
  module.enableCompileCache &&
  !process.env.NODE_COMPILE_CACHE &&
  process.env.NODE_DISABLE_COMPILE_CACHE === undefined
) {
  const folder = ownCacheFolder();
  if (folder) module.enableCompileCache(folder);
}

const bundle = new URL('../dist/cli/call-control.mjs', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../cli/call-control.ts', import.meta.url).href);
}
