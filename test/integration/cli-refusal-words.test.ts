import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SECRET_NAME, type LocalStack, startLocalStack } from '#local/local-stack';
import { buildCli } from '../../scripts/build-cli.ts';
import { type CliRun, collectRun } from '../support/cli-process.ts';
import { captureOutput } from '../support/output-capture.ts';

/**
 * Every refusal of a change the CLI can meet, walked through the `call-control` bundle against one local stack,
 * through the API (`--local`) and SignalWire itself (`--direct`): each names the flag as typed (`--method`),
 * never the API's field (`Method`, `StatusCallback`, `dest`), says why, and what to do instead; nothing is sent.
 */

// The functions' own log lines (audits) in this process, kept out of the report.
const output = captureOutput();
let stack: LocalStack;
let bundle: string;
let env: NodeJS.ProcessEnv;

const run = (args: string[]): Promise<CliRun> =>
  collectRun(
    spawn(process.execPath, [bundle, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] }),
    30_000,
    '',
  );

/** An API field named as a word of its own: what a refusal must never show the operator. */
const API_FIELD =
  /\b(Url|Method|FallbackUrl|FallbackMethod|StatusCallback|StatusCallbackMethod|Status|dest|callSid)\b/;

beforeAll(async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'call-control-refusal-words-'));
  const outDir = join(import.meta.dirname, '..', '..', 'dist', 'cli-refusal-words-test');
  [bundle, stack] = await Promise.all([buildCli(outDir), startLocalStack({ stateDir })]);
  env = {
    ...process.env,
    CALL_CONTROL_LOCAL_STATE_DIR: stateDir,
    CALL_CONTROL_AUDIT_LOG: join(stateDir, 'direct', 'audit.ndjson'),
    PORT: String(stack.api.port),
    NO_COLOR: '1',
  };
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

const nativeCall = () =>
  stack.emulator.native.seed(stack.projectId, {
    status: 'answered',
    ageSeconds: 300,
    url: 'https://example.com/agent.swml',
  }).id;
const compatCall = () =>
  stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 }).sid;

interface Refusal {
  /** The command line after the SID (and before the target). */
  args: string[];
  /** Which call it is tried on. */
  on: 'native' | 'compat';
  /** Words the message must hold: the flag as typed, and why. */
  says: string[];
  /** Words the hint (the `next:` line) must hold: what to do instead. */
  next: string[];
}

const REFUSALS: Refusal[] = [
  {
    args: ['redirect', '--url', 'https://example.com/x.swml', '--method', 'GET'],
    on: 'native',
    says: ['--method is for Compatibility (cXML) calls only', 'native', 'no method'],
    next: ['Leave out --method', 'calls redirect'],
  },
  {
    args: [
      'update',
      '--url',
      'https://example.com/x.swml',
      '--fallback-url',
      'https://e.com/f',
      '--fallback-method',
      'GET',
    ],
    on: 'native',
    says: ['--fallback-method is for Compatibility (cXML) calls only'],
    next: ['Leave out --fallback-method'],
  },
  {
    args: ['update', '--status-callback', 'https://example.com/status'],
    on: 'native',
    says: ['--status-callback is for Compatibility (cXML) calls only', 'status_url'],
    next: ['Leave out --status-callback'],
  },
  {
    args: ['update', '--fallback-url', 'https://example.com/f'],
    on: 'native',
    says: ['--fallback-url needs --url for a native call'],
    next: ['Give --url with it (the SWML to redirect the call to)'],
  },
  {
    args: ['update', '--status', 'canceled'],
    on: 'native',
    says: ['--status canceled applies only to a queued or ringing call', 'use --status completed'],
    next: ['an answered one completed'],
  },
  {
    args: ['transfer', '--to', '+13105550100'],
    on: 'compat',
    says: ['`calls transfer` is for native calls', 'Compatibility call'],
    next: ['Redirect it to cXML that dials', 'calls redirect'],
  },
  {
    args: ['transfer', '--to', '+13105550100', '--api', 'compatibility'],
    on: 'native',
    says: ['`calls transfer` is for native calls', '--api compatibility'],
    next: ['calls redirect', 'leave out --api'],
  },
  {
    args: ['update', '--method', 'GET'],
    on: 'compat',
    says: ['--method is only allowed together with --url'],
    next: ['Give --url too, or leave out --method'],
  },
  {
    args: ['update', '--status-callback-method', 'POST'],
    on: 'compat',
    says: ['--status-callback-method is only allowed together with --status-callback'],
    next: ['Give --status-callback too'],
  },
  {
    args: ['update', '--url', 'ftp://example.com/x', '--fallback-url', 'nope'],
    on: 'compat',
    says: ['--url must be an absolute http(s) URL', '--fallback-url must be an absolute http(s) URL'],
    next: ['URLs are absolute http(s) URLs'],
  },
  {
    args: ['update', '--status', 'completed', '--url', 'https://example.com/x'],
    on: 'compat',
    says: ['--status and --url cannot be sent together'],
    next: ['calls end', 'calls redirect'],
  },
  {
    // What is wrong with the URL, as the API says it: the CLI refuses it before the API could.
    args: ['redirect', '--url', 'https://exämple.com/x'],
    on: 'compat',
    says: [
      '--url must be an absolute http(s) URL (no user:password; a port, if given, from 1 to 65535): its host is not ASCII (write an internationalised domain name in its xn-- form: xn--exmple-cua.com)',
    ],
    next: ['URLs are absolute http(s) URLs'],
  },
  {
    args: ['redirect', '--url', 'https://example.com/x', '--method', 'PUT'],
    on: 'compat',
    says: ['--method must be one of: GET, POST'],
    next: ['methods are GET or POST'],
  },
];

describe('every refusal of a change names the flag as typed, why, and what instead; nothing is sent', () => {
  for (const target of [['--local'], ['--direct', '--secret-id', LOCAL_SECRET_NAME]]) {
    it(`through ${target[0]}`, async () => {
      for (const refusal of REFUSALS) {
        const sid = refusal.on === 'native' ? nativeCall() : compatCall();
        const [verb, ...rest] = refusal.args;
        stack.emulator.clearRequests();
        const result = await run(['calls', String(verb), sid, ...rest, ...target, '--yes']);
        const shown = `${result.stdout}\n${result.stderr}`;
        const label = `calls ${refusal.args.join(' ')} on a ${refusal.on} call: ${shown}`;
        expect(result.code, label).not.toBe(0);
        for (const words of refusal.says) expect(shown, label).toContain(words);
        const next = /next:\s+(.*)/.exec(shown)?.[1] ?? '';
        for (const words of refusal.next) expect(next, label).toContain(words);
        // Neither the message nor the hint names the API's field instead of the flag.
        const message = shown.replace(sid, '');
        expect(message, label).not.toMatch(API_FIELD);
        // Nothing was changed: no write reached the API that owns the call (a native call's owner is found by
        // trying the Compatibility API first, whose 404 changes nothing).
        const writes = stack.emulator.requests.filter(
          (request) =>
            request.method === 'POST' &&
            (refusal.on === 'native' ? request.path === '/api/calling/calls' : true),
        );
        expect(writes, label).toEqual([]);
      }
    });
  }
});
