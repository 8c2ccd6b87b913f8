import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, prebuiltBundleDirectory } from '../../infra/function-bundles.ts';

/**
 * What a prebuilt bundle (of `npm run build`) makes Node.js load at its cold start: the built-in modules it
 * loads are CPU time of every cold start. Each bundle is copied away from node_modules, as Lambda runs it.
 */
const scratch = mkdtempSync(join(tmpdir(), 'bundle-module-loads-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// What the functions read from their environment at module scope; no value is ever used to reach anything.
const FUNCTION_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_LAMBDA_FUNCTION_NAME: 'http-api',
  POWERTOOLS_SERVICE_NAME: 'http-api',
  SIGNALWIRE_SECRET_ID: 'signalwire/call-control',
  EVENT_BUS_NAME: 'bus',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  AUDIT_LOG_GROUP: '/audit',
  AUDIT_LOG_GROUPS: '["/audit"]',
  CONSOLE_CLIENT_ID: 'console',
};

/** Node's internal modules that importing the `name` bundle adds to `process.moduleLoadList`. */
const modulesLoadedByImport = (name: string, powertoolsTracer: boolean): string[] => {
  const directory = join(scratch, `${name}-${powertoolsTracer}`);
  cpSync(prebuiltBundleDirectory(name, powertoolsTracer), directory, { recursive: true });
  const bundle = pathToFileURL(join(directory, BUNDLE_FILE)).href;
  const { stdout, stderr, status } = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      [
        'const before = new Set(process.moduleLoadList);',
        `const { handler } = await import(${JSON.stringify(bundle)});`,
        "if (typeof handler !== 'function') throw new Error('no handler');",
        'process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))));',
      ].join('\n'),
    ],
    {
      encoding: 'utf8',
      cwd: directory,
      env: { PATH: process.env.PATH, NODE_OPTIONS: '', ...FUNCTION_ENVIRONMENT },
    },
  );
  expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  return JSON.parse(stdout) as string[];
};

describe('the modules a prebuilt bundle loads when Lambda imports it', () => {
  it.each([false, true])(
    'the http-api function (Powertools Tracer: %s) never loads undici (http.WebSocket) on import',
    (powertoolsTracer) => {
      // Act
      const loaded = modulesLoadedByImport('http-api', powertoolsTracer);

      // Assess: the X-Ray SDK requires node:http; a required stand-in that reads every export loads undici.
      expect(loaded.length).toBeGreaterThan(0);
      expect(loaded.filter((module) => /undici|websocket|http2|worker_threads/i.test(module))).toEqual([]);
    },
  );
});
