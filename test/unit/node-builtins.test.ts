import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUILTINS, functionBundleOptions } from '../../infra/runtime.ts';
import { commonJsStandInSource, standInPath, standInSource } from '../../scripts/node-builtins.ts';

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'node-builtins-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const builtinOf = (name: string): Record<string, unknown> =>
  (name === 'process' ? process : process.getBuiltinModule(`node:${name}`)) as Record<string, unknown>;

describe('the bundles’ stand-ins for Node’s built-ins (functions/commons/platform/node-builtins)', () => {
  it.each(BUNDLE_BUILTINS)(
    'node:%s: the module require returns, and each of its exports by name',
    async (name) => {
      // Act
      const standIn = (await import(pathToFileURL(standInPath(name)).href)) as Record<string, unknown>;

      // Assess: the default export is the very module object (no facade, no copy); every name is its own value.
      const builtin = builtinOf(name);
      expect(standIn.default).toBe(builtin);
      const names = Object.keys(standIn).filter((key) => key !== 'default');
      // A test worker's `process` has keys of its own (an IPC channel's): the stand-in has a plain process's.
      if (name === 'process') expect(names.filter((key) => !(key in builtin))).toEqual([]);
      else
        expect(names.sort()).toEqual(
          Object.keys(builtin)
            .filter((key) => !key.startsWith('_'))
            .sort(),
        );
      expect(names.filter((key) => !Object.is(standIn[key], builtin[key]))).toEqual([]);
    },
  );

  it.each(BUNDLE_BUILTINS)('node:%s required: the live module object itself, no export read', (name) => {
    // Act
    const standIn = createRequire(import.meta.url)(standInPath(name, 'cjs')) as unknown;

    // Assess
    expect(standIn).toBe(builtinOf(name));
  });

  it('are what scripts/node-builtins.ts writes from this Node.js (after a Node.js upgrade: npx tsx scripts/node-builtins.ts)', () => {
    const stale = BUNDLE_BUILTINS.filter(
      (name) =>
        readFileSync(standInPath(name), 'utf8') !== standInSource(name) ||
        readFileSync(standInPath(name, 'cjs'), 'utf8') !== commonJsStandInSource(name),
    );

    expect(stale).toEqual([]);
  });

  /** Bundles `entry` as a function is bundled (default variant) and runs it in a fresh `node`. */
  const bundleAndRun = async (entry: string, outfile: string) => {
    await build({
      ...functionBundleOptions(false),
      absWorkingDir: root,
      entryPoints: [entry],
      outfile,
      logLevel: 'error',
    });
    return spawnSync(process.execPath, [outfile], { encoding: 'utf8' });
  };

  it('give a bundle the names it imports and nothing else: no copy of the module, no lazy export read', async () => {
    // Prepare: what a dependency does (a named, a default and a namespace import), bundled as a function is.
    const entry = join(scratch, 'entry.mjs');
    writeFileSync(
      entry,
      [
        "import { request, Agent } from 'node:http';",
        "import crypto from 'node:crypto';",
        "import * as os from 'os';",
        'const agent = new Agent({ keepAlive: true });',
        "process.stdout.write(JSON.stringify({ request: typeof request, agent: agent instanceof Agent, hash: crypto.createHash('sha256').update('x').digest('hex').length, eol: os.EOL }));",
        'agent.destroy();',
      ].join('\n'),
    );
    const outfile = join(scratch, 'out', 'index.mjs');

    // Act
    const { stdout, status, stderr } = await bundleAndRun(entry, outfile);
    const bundle = readFileSync(outfile, 'utf8');

    // Assess: it runs; esbuild's CommonJS interop (which copies every export, one getter each, per importing
    // module) is absent, and lazy exports nobody imported (http.WebSocket loads undici) are never read.
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({ request: 'function', agent: true, hash: 64, eol: '\n' });
    expect(bundle).not.toContain('getOwnPropertyNames');
    expect(bundle).not.toContain('WebSocket');
    expect(bundle).toContain('"request"');
  });

  it('give CommonJS that requires a built-in the live module, never reading its lazy exports', async () => {
    // Prepare: what the X-Ray SDK does (Powertools Tracer), next to an ES import of the same built-in.
    writeFileSync(join(scratch, 'legacy.cjs'), "const http = require('http'); module.exports = http;");
    const entry = join(scratch, 'required.mjs');
    writeFileSync(
      entry,
      [
        "import { request } from 'node:http';",
        "import http from './legacy.cjs';",
        'const loaded = new Set(process.moduleLoadList);',
        "process.stdout.write(JSON.stringify({ live: http === process.getBuiltinModule('node:http'), request: request === http.request, undici: [...loaded].some((m) => m.includes('undici')) }));",
      ].join('\n'),
    );
    const outfile = join(scratch, 'required', 'index.mjs');

    // Act
    const { stdout, status, stderr } = await bundleAndRun(entry, outfile);

    // Assess: the required module is node:http itself, and nothing read http.WebSocket (undici) on the way.
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({ live: true, request: true, undici: false });
  });
});
