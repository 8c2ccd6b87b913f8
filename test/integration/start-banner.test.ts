import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { nativeCallLines, nativeCliLines } from '#local/native-banner';
import { type NativeSeeds, seedNativeCalls } from '#local/native-seeds';
import { buildCli } from '../../scripts/build-cli.ts';
import { type CliRun, collectRun } from '../support/cli-process.ts';
import { captureOutput } from '../support/output-capture.ts';

/**
 * The commands `npm start` prints for its native calls work as written: each `curl` and `call-control` line is
 * run by a shell, in the order printed, against a local stack seeded as `npm start` seeds it (`npx
 * call-control` is the CLI's bundle, built for this test). Then the calls are as the comments say.
 */

const output = captureOutput();
let stack: LocalStack;
let bundle: string;
let env: NodeJS.ProcessEnv;
let native: NativeSeeds;
let compatibilitySid: string;

beforeAll(async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'call-control-banner-'));
  const outDir = join(import.meta.dirname, '..', '..', 'dist', 'cli-banner-test');
  [bundle, stack] = await Promise.all([buildCli(outDir), startLocalStack({ stateDir })]);
  env = { ...process.env, CALL_CONTROL_LOCAL_STATE_DIR: stateDir };
  delete env.PORT;
  // A live Compatibility call beside them, as `npm start` seeds several.
  compatibilitySid = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 45 }).sid;
  native = seedNativeCalls(stack.emulator, stack.projectId);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

/** A printed command line without its `# comment`, run by `sh` as a person would paste it. */
const runLine = (line: string): Promise<CliRun> => {
  const command = line
    .trim()
    .replace(/\s{2,}#.*$/, '')
    .replace(/^npx call-control /, `'${process.execPath}' '${bundle}' `);
  return collectRun(spawn('sh', ['-c', command], { env, stdio: ['pipe', 'pipe', 'pipe'] }), 20_000, '');
};

const commandsOf = (lines: string[]) =>
  lines.filter((line) => /^ {2}(curl|npx call-control) /.test(line)).map((line) => line.trim());

describe('npm start’s commands for the native calls', () => {
  it('run as printed: the AI agent ended, a campaign call cancelled, the SWML call redirected and transferred', async () => {
    const base = `http://localhost:${stack.api.port}`;
    const curls = commandsOf(nativeCallLines(base, native, compatibilitySid));
    const clis = commandsOf(nativeCliLines(native, stack.api.port));
    expect(curls.length).toBeGreaterThanOrEqual(8);
    expect(clis.length).toBeGreaterThanOrEqual(7);
    // The stack is not on 3000: the commands say where it is.
    for (const line of clis) expect(line).toContain(`--local --port ${stack.api.port}`);

    const runs: Array<[string, CliRun]> = [];
    for (const line of [...curls, ...clis]) runs.push([line, await runLine(line)]);
    for (const [line, run] of runs) expect(run.code, `${line}\n${run.stderr}`).toBe(0);
    const runOf = (fragment: string) => runs.find(([line]) => line.includes(fragment))?.[1];
    const printed = (fragment: string) => runOf(fragment)?.stdout ?? '';

    const [swml, ringing] = native.swml;
    const [queued, ...stillQueued] = native.campaign;
    expect(printed('/calls?api=calling')).toContain('"api":"calling"');
    expect(printed('--data-urlencode dest=')).toContain('transfer is a native Calling API command');
    expect(stack.emulator.getCall(stack.projectId, compatibilitySid)?.status).toBe('in-progress');
    expect(printed('-d Method=GET')).toContain('Method is a Compatibility API field');
    expect(stack.emulator.native.get(stack.projectId, native.aiAgent.id)?.status).toBe('ended');
    expect(stack.emulator.native.get(stack.projectId, queued?.id ?? '')?.status).toBe('canceled');
    expect(stack.emulator.native.get(stack.projectId, ringing?.id ?? '')?.status).toBe('canceled');
    expect(stack.emulator.native.redirectsOf(stack.projectId, swml?.id ?? '').map((r) => r.url)).toEqual([
      'https://example.com/hold.swml',
      'https://example.com/ivr.swml',
    ]);
    expect(stack.emulator.native.transfersOf(stack.projectId, swml?.id ?? '')).toEqual([
      'sip:supervisor@example.com',
      '+13105550100',
    ]);
    // The campaign's dry run names its queued calls, the whole preview both kinds; neither ends anything.
    const campaignPreview = runOf('--api calling --from')?.stderr ?? '';
    expect(campaignPreview).toContain('Dry run: nothing was ended.');
    const preview = JSON.parse(printed('--dry-run -o json')) as {
      preview: { calls: Array<{ sid: string; api: string }> };
    };
    const previewed = preview.preview.calls.map((call) => call.sid);
    expect(preview.preview.calls.map((call) => call.api)).toContain('compatibility');
    for (const call of stillQueued) {
      expect(campaignPreview).toContain(call.id);
      expect(previewed).toContain(call.id);
      expect(stack.emulator.native.get(stack.projectId, call.id)?.status).toBe('queued');
    }
  });
});
