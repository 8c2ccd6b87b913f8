import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  LOCAL_CLEANUP_FUNCTION,
  LOCAL_LOG_GROUP,
  LOCAL_SECRET_NAME,
  type LocalStack,
  startLocalStack,
} from '#local/local-stack';
import { CallControl } from '../../infra/call-control.ts';
import { parseMarkedDescription } from '../../infra/stack-outputs.ts';
import { buildCli } from '../../scripts/build-cli.ts';
import { schemaFixtureDirectory, testApp } from '../infra/support.ts';
import {
  type CliRun,
  collectRun,
  deployedEnv as deployedEnvOf,
  spawnOnTerminal,
} from '../support/cli-process.ts';

const schemasDirectory = schemaFixtureDirectory();

/**
 * The `call-control` CLI run as a process, from its esbuild bundle, against one local stack (the real
 * handlers behind the local API Gateway, which checks the CLI's SigV4 signatures; the SignalWire emulator;
 * the local Secrets Manager). Each test asserts stdout, stderr and the exit code, and what became of the
 * calls in the emulator.
 */

let stack: LocalStack;
let bundle: string;
let env: NodeJS.ProcessEnv;
let directAuditLog: string;
/** Every byte any CLI run printed, to check that no secret ever appears. */
const printed: string[] = [];

type Run = CliRun;
const collect = async (child: ChildProcess, input?: string): Promise<Run> => {
  const run = await collectRun(child, 20_000, input);
  printed.push(run.stdout, run.stderr);
  return run;
};

/** Runs the CLI without a terminal (stdin is a closed pipe, as in a script or CI). */
const cli = (...args: string[]): Promise<Run> =>
  collect(spawn(process.execPath, [bundle, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] }), '');

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), typing `answer` once the prompt appears.
 * Returns everything the terminal showed.
 */
const cliOnTerminal = (answer: string, ...args: string[]): Promise<Run> =>
  cliOnTerminalWith(env, answer, ...args);

const cliOnTerminalWith = (runEnv: NodeJS.ProcessEnv, answer: string, ...args: string[]): Promise<Run> => {
  let answered = false;
  return collect(
    spawnOnTerminal(bundle, args, runEnv, (shown, type) => {
      if (!answered && shown.includes('to go ahead')) {
        answered = true;
        type(`${answer}\r`);
      }
    }),
  );
};

const json = <T>(run: Run): T => JSON.parse(run.stdout) as T;
const statusOf = (sid: string) => stack.emulator.getCall(stack.projectId, sid)?.status;
/** The records of `sids` in the --direct audit file, in the order written. */
const directAuditsOf = (sids: string[]) =>
  readFileSync(directAuditLog, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { audit: { callSid: string; outcome: string } }).audit)
    .filter((record) => sids.includes(record.callSid));
const seed = (status: 'in-progress' | 'ringing' | 'queued', ageSeconds: number, to?: string) =>
  stack.emulator.seedCall(stack.projectId, { status, ageSeconds, ...(to ? { to } : {}) }).sid;

beforeAll(async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'call-control-cli-'));
  directAuditLog = join(stateDir, 'direct', 'audit.ndjson');
  [bundle, stack] = await Promise.all([buildCli(), startLocalStack({ stateDir })]);
  env = {
    ...process.env,
    CALL_CONTROL_LOCAL_STATE_DIR: stateDir,
    CALL_CONTROL_AUDIT_LOG: directAuditLog,
    PORT: String(stack.api.port),
    TERM: 'xterm',
  };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  const all = printed.join('\n');
  expect(all).not.toContain(stack.apiToken);
  expect(all).not.toContain(stack.signingKey);
});

describe('call-control --help', () => {
  it('lists every command, and each command has help with examples', async () => {
    const main = await cli('--help');
    expect(main.code).toBe(0);
    for (const name of ['calls list', 'calls end', 'end-all', 'cleanup', 'audit', 'doctor']) {
      expect(main.stdout).toContain(name);
    }
    const endAll = await cli('end-all', '--help');
    expect(endAll.code).toBe(0);
    expect(endAll.stdout).toContain('Examples:');
    expect(endAll.stdout).toContain('--expect');
  });

  it('lists the calls subcommands for `calls --help` (exit 0) and bare `calls` (exit 2), and prints its version', async () => {
    const help = await cli('calls', '--help');
    expect(help.code).toBe(0);
    for (const name of ['calls list', 'calls get', 'calls end', 'calls redirect', 'calls update']) {
      expect(help.stdout).toContain(name);
    }
    const bare = await cli('calls');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('calls redirect');
    expect(bare.stderr).not.toContain('unknown command');
    const unknown = await cli('calls', 'hangup');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "calls hangup"');
    expect(unknown.stderr).toContain('call-control calls --help');

    const { version } = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    );
    const printed = await cli('--version');
    expect(printed).toMatchObject({ code: 0, stdout: `call-control ${version}\n` });
  });

  it('exits 2 on a flag it does not know, naming it', async () => {
    const run = await cli('calls', 'list', '--local', '--colour');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'--colour'");
  });
});

describe('calls (local stack, signed requests)', () => {
  it('lists calls as a table and as JSON', async () => {
    const live = seed('in-progress', 300, '+13105550111');
    const table = await cli('calls', 'list', '--local', '--status', 'in-progress');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SID\s+FROM\s+TO\s+STATUS\s+DIRECTION\s+STARTED\s+DURATION\s+KIND$/m);
    expect(table.stdout).toMatch(new RegExp(`${live}\\s+\\+14155550100\\s+\\+13105550111\\s+in-progress`));
    expect(table.stdout).not.toContain('\u001b['); // no colour without a terminal

    const asJson = json<{ calls: Array<{ sid: string; status: string }> }>(
      await cli('calls', 'list', '--local', '--to', '+13105550111', '-o', 'json'),
    );
    expect(asJson.calls.map((call) => call.sid)).toEqual([live]);
  });

  it('colours a terminal, unless NO_COLOR is set', async () => {
    seed('in-progress', 30, '+13105550112');
    const args = ['calls', 'list', '--local', '--to', '+13105550112'];
    const coloured = await cliOnTerminal('', ...args);
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toContain('\u001b[32min-progress\u001b[39m');
    const plain = await cliOnTerminalWith({ ...env, NO_COLOR: '1' }, '', ...args);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('in-progress');
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('colours piped output with FORCE_COLOR as Node reads it (over NO_COLOR, not over --no-color), and never lets a value out as terminal control', async () => {
    seed('in-progress', 30, '+13105550113');
    const hostile = stack.emulator.seedCall(stack.projectId, {
      status: 'in-progress',
      ageSeconds: 20,
      to: '+13105550113',
      from: '\u001b]0;owned\u0007\u001b[2J+1415',
    }).sid;
    const args = ['calls', 'list', '--local', '--to', '+13105550113'];
    const piped = (extra: NodeJS.ProcessEnv, ...more: string[]) =>
      collect(
        spawn(process.execPath, [bundle, ...args, ...more], {
          env: { ...env, ...extra },
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
        '',
      );
    for (const forced of ['1', 'true', '', '3']) {
      const run = await piped({ FORCE_COLOR: forced, NO_COLOR: '1' });
      expect(run.code, `FORCE_COLOR=${forced}`).toBe(0);
      expect(run.stdout, `FORCE_COLOR=${forced}`).toContain('\u001b[32min-progress\u001b[39m');
      expect(run.stdout).toContain(hostile);
      // Only the CLI's own SGR codes reach the terminal: the value's OSC title and screen clear do not.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the CLI's own colour codes are the point
      const ownCodes = /\u001b\[(?:1|22|2|31|32|33|39)m/g;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      const control = /[\u001b\u0007\u009b]/;
      expect(run.stdout.replace(ownCodes, '')).not.toMatch(control);
    }
    for (const off of ['0', 'false']) {
      const run = await cliOnTerminalWith({ ...env, FORCE_COLOR: off }, '', ...args);
      expect(run.code, `FORCE_COLOR=${off}`).toBe(0);
      expect(run.stdout, `FORCE_COLOR=${off}`).not.toContain('\u001b[32m');
    }
    const flag = await piped({ FORCE_COLOR: '1' }, '--no-color');
    expect(flag.stdout).toContain('in-progress');
    expect(flag.stdout).not.toContain('\u001b[');
  });

  it('follows every page with --all, one call per line with ndjson', async () => {
    const to = '+13105550222';
    const sids = [seed('queued', 10, to), seed('queued', 20, to), seed('queued', 30, to)];
    const run = await cli(
      'calls',
      'list',
      '--local',
      '--to',
      to,
      '--page-size',
      '1',
      '--all',
      '-o',
      'ndjson',
    );
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { sid: string }).sid);
    expect(lines.sort()).toEqual([...sids].sort());
  });

  it('gets one call', async () => {
    const sid = seed('ringing', 15);
    const run = await cli('calls', 'get', sid, '--local');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^sid\s+\S+/);
    expect(run.stdout).toMatch(/status\s+ringing/);
    expect(
      json<{ sid: string }>(await cli('calls', 'get', sid.toUpperCase(), '--local', '-o', 'json')).sid,
    ).toBe(sid);
  });

  it('ends a call, and ending it again succeeds with its outcome (idempotent)', async () => {
    const sid = seed('in-progress', 120);
    const first = await cli('calls', 'end', sid, '--local', '--yes');
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`${sid}  ended (completed)`);
    expect(statusOf(sid)).toBe('completed');

    const again = await cli('calls', 'end', sid, '--local', '--yes', '-o', 'json');
    expect(again.code).toBe(0);
    expect(json<{ results: unknown[] }>(again).results).toEqual([
      { sid, outcome: 'already-ended', status: 'completed', api: 'compatibility' },
    ]);
  });

  it('refuses to end a call without a terminal and without --yes, changing nothing', async () => {
    const sid = seed('in-progress', 120);
    const run = await cli('calls', 'end', sid, '--local');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refusing to change calls without confirmation');
    expect(run.stderr).toContain('--yes');
    expect(statusOf(sid)).toBe('in-progress');
  });

  it('exits 3 when some calls of several could not be ended', async () => {
    const live = seed('in-progress', 60);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const run = await cli('calls', 'end', live, unknown, '--local', '--yes');
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(`${live}  ended (completed)`);
    expect(run.stdout).toContain(`${unknown}  failed: SignalWire has no such call`);
    expect(run.stderr).toContain('next: Check the SID');
  });

  /** `calls end` over several SIDs, -o json, with a signal sent once SignalWire has seen the first SID. */
  const endSeveralInterrupted = async (signals: NodeJS.Signals[]) => {
    const sids = Array.from({ length: 4 }, () => seed('in-progress', 60));
    stack.emulator.clearRequests();
    stack.emulator.setLatency(1500);
    try {
      const child = spawn(
        process.execPath,
        [bundle, 'calls', 'end', ...sids, '--local', '--yes', '-o', 'json'],
        {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      const running = collect(child, '');
      await vi.waitFor(
        () => expect(stack.emulator.requests.some((r) => r.path.includes(sids[0]!))).toBe(true),
        {
          timeout: 20_000,
          interval: 20,
        },
      );
      for (const signal of signals) {
        child.kill(signal);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return { sids, run: await running };
    } finally {
      stack.emulator.setLatency(0);
    }
  };

  it('calls end over several SIDs: Ctrl-C waits for the call already sent, sends no more, and reports each (exit 3)', async () => {
    const { sids, run } = await endSeveralInterrupted(['SIGINT']);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('nothing more will be sent');
    const { results } = JSON.parse(run.stdout) as { results: Array<{ sid: string; outcome: string }> };
    expect(results).toEqual([
      expect.objectContaining({ sid: sids[0], outcome: 'updated' }),
      ...sids.slice(1).map((sid) => ({ sid, outcome: 'not-sent' })),
    ]);
    expect(sids.map(statusOf)).toEqual(['completed', 'in-progress', 'in-progress', 'in-progress']);
  });

  it('calls end over several SIDs: a second signal stops waiting and names the call whose outcome is unknown', async () => {
    const { sids, run } = await endSeveralInterrupted(['SIGINT', 'SIGTERM']);
    // Exit 3, not 1 ("nothing changed"): the call whose answer was not waited for may have been ended (it was).
    expect(run.code, run.stderr).toBe(3);
    const { results } = JSON.parse(run.stdout) as {
      results: Array<{ sid: string; outcome: string; error?: { code: string; hint?: string } }>;
    };
    expect(results.map(({ sid, outcome }) => ({ sid, outcome }))).toEqual([
      { sid: sids[0], outcome: 'unknown' },
      ...sids.slice(1).map((sid) => ({ sid, outcome: 'not-sent' })),
    ]);
    expect(results[0]?.error?.code).toBe('INTERRUPTED');
    expect(results[0]?.error?.hint).toContain(`\`call-control calls get ${sids[0]} --local\` shows whether`);
    await vi.waitFor(() => expect(statusOf(sids[0]!)).toBe('completed'), { timeout: 10_000 });
    expect(sids.slice(1).map(statusOf)).toEqual(['in-progress', 'in-progress', 'in-progress']);
  });

  it('calls end over several SIDs: SIGHUP with the terminal gone (output unwritable) stops sending like SIGTERM, exits 3 and keeps the audit records', async () => {
    const sids = Array.from({ length: 4 }, () => seed('in-progress', 60));
    stack.emulator.clearRequests();
    stack.emulator.setLatency(1500);
    try {
      const child = spawn(
        process.execPath,
        [bundle, 'calls', 'end', ...sids, '--direct', '--secret-id', LOCAL_SECRET_NAME, '--yes'],
        { env, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await vi.waitFor(
        () => expect(stack.emulator.requests.some((r) => r.path.includes(sids[0]!))).toBe(true),
        { timeout: 20_000, interval: 20 },
      );
      // The session is lost: nobody reads stdout or stderr any more (every write fails), and SIGHUP comes.
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.kill('SIGHUP');
      const code = await exited;
      expect(code).toBe(3);
      expect(sids.map(statusOf)).toEqual(['completed', 'in-progress', 'in-progress', 'in-progress']);
      const audited = directAuditsOf(sids);
      expect(audited).toEqual([expect.objectContaining({ callSid: sids[0], outcome: 'updated' })]);
    } finally {
      stack.emulator.setLatency(0);
    }
  });

  it('calls end on a terminal that hangs up (SIGHUP, then EIO on every write): the call in flight finishes, exit 3, audited', async () => {
    const sids = Array.from({ length: 3 }, () => seed('in-progress', 60));
    const folder = mkdtempSync(join(tmpdir(), 'call-control-hangup-'));
    const codeFile = join(folder, 'code');
    stack.emulator.clearRequests();
    stack.emulator.setLatency(1500);
    try {
      const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
      const cliLine = [process.execPath, bundle, 'calls', 'end', ...sids, '--direct', '--secret-id']
        .concat(LOCAL_SECRET_NAME, '--yes')
        .map(quote)
        .join(' ');
      // As on a lost SSH session: the terminal hangs up, its session leader (the outer shell) dies of SIGHUP, and
      // the kernel sends SIGHUP to the foreground process group: the CLI (Node.js resets an ignored SIGHUP at
      // start) and a subshell that ignores it only to write the CLI's exit code. Writes then fail with EIO.
      const child = spawn(
        'script',
        ['-qec', `(trap '' HUP; ${cliLine}; echo $? > ${quote(codeFile)}) & wait`, '/dev/null'],
        {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      child.stdout.resume();
      child.stderr.resume();
      await vi.waitFor(
        () => expect(stack.emulator.requests.some((r) => r.path.includes(sids[0]!))).toBe(true),
        { timeout: 20_000, interval: 20 },
      );
      child.kill('SIGKILL'); // the terminal's other end is gone
      await vi.waitFor(() => expect(existsSync(codeFile)).toBe(true), { timeout: 15_000, interval: 50 });
      expect(readFileSync(codeFile, 'utf8').trim()).toBe('3');
      expect(sids.map(statusOf)).toEqual(['completed', 'in-progress', 'in-progress']);
      const audited = directAuditsOf(sids);
      expect(audited).toEqual([expect.objectContaining({ callSid: sids[0], outcome: 'updated' })]);
    } finally {
      stack.emulator.setLatency(0);
    }
  });

  it('`calls end a b c d --yes | head -1`: the reader going away does not leave the batch half sent', async () => {
    const sids = Array.from({ length: 4 }, () => seed('in-progress', 60));
    stack.emulator.setLatency(300);
    try {
      const child = spawn(process.execPath, [bundle, 'calls', 'end', ...sids, '--local', '--yes'], {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      // As `head -1` does: read the first line, then close the pipe.
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      expect(sids.map(statusOf)).toEqual(['completed', 'completed', 'completed', 'completed']);
    } finally {
      stack.emulator.setLatency(0);
    }
  });

  it('reads whose reader has gone (`calls get … | true`, `calls list … | true`) exit 0 quietly, as Unix tools do', async () => {
    const sid = seed('in-progress', 60);
    const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
    const runs = [];
    for (const args of [
      ['calls', 'get', sid, '--local'],
      ['calls', 'list', '--local', '-o', 'json'],
    ]) {
      const line = [process.execPath, bundle, ...args].map(quote).join(' ');
      // `true` exits before the CLI writes a byte: every write to the pipe fails with EPIPE.
      runs.push(
        await collect(
          spawn('bash', ['-c', `${line} | true; echo "exit \${PIPESTATUS[0]}" >&2`], { env }),
          '',
        ),
      );
    }

    expect(runs.map((run) => run.stderr)).toEqual(['exit 0\n', 'exit 0\n']);
  });

  it.skipIf(!existsSync('/dev/full'))(
    'says it cannot write its output (a full disk) in one line, exit 1',
    async () => {
      const full = openSync('/dev/full', 'w');
      try {
        const child = spawn(process.execPath, [bundle, 'calls', 'list', '--local', '-o', 'ndjson'], {
          env,
          stdio: ['pipe', full, 'pipe'],
        });
        const run = await collect(child, '');
        expect(run.code).toBe(1);
        expect(run.stderr).toBe('error: cannot write the output (ENOSPC)\n');
      } finally {
        closeSync(full);
      }
    },
  );

  it('refuses a malformed SID with exit 2 before anything is sent', async () => {
    stack.emulator.clearRequests();
    const run = await cli('calls', 'end', 'not-a-sid', '--local', '--yes');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not a call SID (a call SID is a UUID: 36 characters');
    expect(run.stderr).not.toContain('callSid');
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('redirects a call', async () => {
    const sid = seed('in-progress', 60);
    const run = await cli(
      'calls',
      'redirect',
      sid,
      '--url',
      'https://example.com/hold.xml',
      '--method',
      'get',
      '--local',
      '--yes',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${sid}  redirected (in-progress)`);
    expect(stack.emulator.redirectsOf(sid)).toEqual([{ url: 'https://example.com/hold.xml', method: 'GET' }]);
  });

  it('exits 3, not 1 ("nothing changed"), when a redirect was sent and its outcome is unknown, and does not send it again', async () => {
    const sid = seed('in-progress', 60);
    // SignalWire applies the redirect and the answer is lost: the function says REDIRECT_OUTCOME_UNKNOWN.
    stack.emulator.injectFault({ kind: 'drop', applyFirst: true, method: 'POST' });
    const run = await cli(
      'calls',
      'redirect',
      sid,
      '--url',
      'https://example.com/lost.xml',
      '--local',
      '--yes',
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(`${sid}  unknown:`);
    expect(run.stderr).toContain('may or may not have happened');
    // The line to type names the call: never `calls get <sid>` (pasted into a shell, a redirect from a file sid).
    expect(run.stderr).toContain(`check with \`call-control calls get ${sid} --local\` before retrying`);
    expect(stack.emulator.redirectsOf(sid)).toEqual([
      { url: 'https://example.com/lost.xml', method: 'POST' },
    ]);
  });

  it('updates callback fields, checked by the same rules as the API', async () => {
    const sid = seed('in-progress', 60);
    const run = await cli(
      'calls',
      'update',
      sid,
      '--status-callback',
      'https://example.com/status',
      '--status-callback-method',
      'GET',
      '--fallback-url',
      'https://example.com/fallback',
      '--local',
      '--yes',
    );
    expect(run.code).toBe(0);
    expect(stack.emulator.callbacksOf(sid)).toMatchObject({
      StatusCallback: 'https://example.com/status',
      StatusCallbackMethod: 'GET',
      FallbackUrl: 'https://example.com/fallback',
    });

    const both = await cli(
      'calls',
      'update',
      sid,
      '--status',
      'completed',
      '--url',
      'https://example.com/x',
      '--local',
      '--yes',
    );
    expect(both.code).toBe(2);
    expect(statusOf(sid)).toBe('in-progress');
  });
});

describe('end-all', () => {
  it('previews and stops with --dry-run', async () => {
    const to = '+13105550333';
    const sids = [seed('in-progress', 900, to), seed('ringing', 30, to)];
    const run = await cli('end-all', '--local', '--to', to, '--dry-run');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('2 live call(s) match');
    for (const sid of sids) expect(run.stderr).toContain(sid);
    expect(run.stderr).toContain('Dry run: nothing was ended.');
    expect(sids.map(statusOf)).toEqual(['in-progress', 'ringing']);

    const older = json<{ preview: { count: number; calls: Array<{ sid: string }> } }>(
      await cli('end-all', '--local', '--to', to, '--older-than', '10m', '--dry-run', '-o', 'json'),
    );
    expect(older.preview.calls.map((call) => call.sid)).toEqual([sids[0]]);
  });

  it('with --yes refuses when the preview differs from --expect, and ends them when it matches', async () => {
    const to = '+13105550444';
    const sids = [seed('in-progress', 900, to), seed('queued', 30, to), seed('in-progress', 60, to)];
    const mismatch = await cli('end-all', '--local', '--to', to, '--yes', '--expect', '2');
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('the preview found 3 call(s), not the 2 expected; nothing was ended');
    expect(sids.map(statusOf)).toEqual(['in-progress', 'queued', 'in-progress']);

    const run = await cli('end-all', '--local', '--to', to, '--yes', '--expect', '3');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/ending \[#+\] 3\/3/);
    expect(run.stdout).toMatch(/Ended 3, already ended 0, failed 0 of 3/);
    expect(sids.map(statusOf)).toEqual(['completed', 'completed', 'completed']);
  });

  it('with --yes --expect N fails when nothing matches, rather than reporting "Nothing to end."', async () => {
    const run = await cli('end-all', '--local', '--to', '+13105550099', '--yes', '--expect', '1');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the preview found 0 call(s), not the 1 expected; nothing was ended');
    expect(run.stderr).not.toContain('Nothing to end.');
    const zero = await cli('end-all', '--local', '--to', '+13105550099', '--yes', '--expect', '0');
    expect(zero.code).toBe(0);
    expect(zero.stderr).toContain('Nothing to end.');
  });

  it('--direction follows the cleanup policy rule, and an unknown direction is a usage error', async () => {
    const to = '+13105550098';
    const inbound = stack.emulator.seedCall(stack.projectId, {
      status: 'in-progress',
      ageSeconds: 60,
      to,
      direction: 'inbound',
    }).sid;
    const outbound = stack.emulator.seedCall(stack.projectId, {
      status: 'in-progress',
      ageSeconds: 60,
      to,
      direction: 'outbound',
    }).sid;
    const preview = async (...direction: string[]) =>
      json<{ preview: { calls: Array<{ sid: string }> } }>(
        await cli('end-all', '--local', '--to', to, '--dry-run', '-o', 'json', ...direction),
      ).preview.calls.map((call) => call.sid);
    expect(await preview('--direction', 'outbound')).toEqual([outbound]);
    expect(await preview('--direction', 'inbound')).toEqual([inbound]);
    expect(await preview('--direction', 'outbound-dial')).toEqual([]);

    const bad = await cli('end-all', '--local', '--to', to, '--direction', 'foo', '--yes');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--direction must be inbound, outbound, outbound-api, outbound-dial, got "foo"',
    );
    expect([statusOf(inbound), statusOf(outbound)]).toEqual(['in-progress', 'in-progress']);
    expect((await cli('end-all', '--help')).stdout).toContain(
      'inbound, outbound, outbound-api, outbound-dial',
    );
  });

  it('stops sending on Ctrl-C and says what was not done (exit 3)', async () => {
    const to = '+13105550700';
    const sids = Array.from({ length: 6 }, () => seed('in-progress', 900, to));
    const child = spawn(
      process.execPath,
      [bundle, 'end-all', '--local', '--to', to, '--yes', '--rate', '1'],
      {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    child.stderr.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ending [')) child.kill('SIGINT');
    });
    const run = await collect(child, '');
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('interrupted: no more end requests will be sent');
    expect(run.stdout).toMatch(
      /Ended [12], already ended 0, failed 0 of 6 in .*Not sent \(interrupted\): [45]\./,
    );
    const ended = sids.filter((sid) => statusOf(sid) === 'completed').length;
    expect(ended).toBeGreaterThanOrEqual(1);
    expect(ended).toBeLessThanOrEqual(2);
  });

  /** end-all over six calls at 1 per second, -o json, with signals sent once SignalWire has seen the first. */
  const endAllInterrupted = async (to: string, signals: NodeJS.Signals[]) => {
    const sids = Array.from({ length: 6 }, () => seed('in-progress', 900, to));
    stack.emulator.clearRequests();
    stack.emulator.setLatency(1500);
    try {
      const child = spawn(
        process.execPath,
        [bundle, 'end-all', '--local', '--to', to, '--yes', '--rate', '1', '-o', 'json'],
        { env, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      const running = collect(child, '');
      await vi.waitFor(
        () =>
          expect(
            stack.emulator.requests.some(
              (r) => r.method === 'POST' || sids.some((sid) => r.path.includes(sid)),
            ),
          ).toBe(true),
        { timeout: 20_000, interval: 20 },
      );
      for (const signal of signals) {
        child.kill(signal);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return { sids, run: await running };
    } finally {
      stack.emulator.setLatency(0);
    }
  };

  it('SIGTERM stops sending like Ctrl-C: the call in flight is waited for, and the summary says what was not sent', async () => {
    const { sids, run } = await endAllInterrupted('+13105550710', ['SIGTERM']);
    expect(run.code, run.stderr).toBe(3);
    const { summary } = JSON.parse(run.stdout) as { summary: Record<string, number> };
    expect(summary).toMatchObject({ matched: 6, ended: 1, unknown: 0, notSent: 5 });
    expect(sids.filter((sid) => statusOf(sid) === 'completed')).toHaveLength(1);
  });

  it('SIGHUP (the SSH session lost) stops sending like SIGTERM: the call in flight is waited for, the rest not sent', async () => {
    const { sids, run } = await endAllInterrupted('+13105550713', ['SIGHUP']);
    expect(run.code, run.stderr).toBe(3);
    const { summary } = JSON.parse(run.stdout) as { summary: Record<string, number> };
    expect(summary).toMatchObject({ matched: 6, ended: 1, unknown: 0, notSent: 5 });
    expect(sids.filter((sid) => statusOf(sid) === 'completed')).toHaveLength(1);
  });

  it('a second Ctrl-C stops waiting and still reports: the call in flight is unknown, the rest not sent', async () => {
    const { sids, run } = await endAllInterrupted('+13105550711', ['SIGINT', 'SIGINT']);
    // Exit 3, not 1 ("nothing changed"): the call in flight may have been ended.
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('Ctrl-C again to stop waiting');
    const { summary, results } = JSON.parse(run.stdout) as {
      summary: Record<string, number>;
      results: Array<{ sid: string; outcome: string }>;
    };
    expect(summary).toMatchObject({ matched: 6, ended: 0, unknown: 1, notSent: 5 });
    expect(results).toEqual([expect.objectContaining({ outcome: 'unknown' })]);
    expect(sids).toContain(results[0]?.sid);
  });

  it('Ctrl-C while every slot is in flight sends nothing more: the ends already out finish, no new one starts', async () => {
    const to = '+13105550712';
    const sids = Array.from({ length: 14 }, () => seed('in-progress', 900, to));
    stack.emulator.clearRequests();
    // Every end waits 2.5 s at SignalWire (the listing does not): ten fill the pool, and the loop waits for a slot.
    stack.emulator.injectFault({ kind: 'delay', ms: 2_500, method: 'POST', times: 14 });
    const posts = () => stack.emulator.requests.filter((r) => r.method === 'POST').length;
    try {
      const child = spawn(
        process.execPath,
        [bundle, 'end-all', '--local', '--to', to, '--yes', '--rate', '100', '-o', 'json'],
        { env, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      const running = collectRun(child, 60_000, '');
      await vi.waitFor(() => expect(posts()).toBe(10), { timeout: 20_000, interval: 20 });
      child.kill('SIGINT');
      const run = await running;
      expect(run.code, run.stderr).toBe(3);
      expect(posts()).toBe(10);
      const { summary } = JSON.parse(run.stdout) as { summary: Record<string, number> };
      expect(summary).toMatchObject({ matched: 14, ended: 10, notSent: 4 });
      expect(sids.filter((sid) => statusOf(sid) === 'completed')).toHaveLength(10);
    } finally {
      stack.emulator.clearFaults();
    }
  });

  it('refuses an empty or signed --expect with exit 2 rather than reading `--expect=` as 0', async () => {
    for (const option of ['--expect=', '--expect=-0', '--expect= 1']) {
      const run = await cli('end-all', '--local', '--to', '+13105550799', '--yes', option);
      expect(run.code, option).toBe(2);
      expect(run.stderr).toContain('--expect must be a count');
    }
  });

  it('refuses without a terminal and without --yes', async () => {
    const to = '+13105550555';
    const sid = seed('in-progress', 900, to);
    const run = await cli('end-all', '--local', '--to', to);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('1 live call(s) match');
    expect(run.stderr).toContain('nothing was changed');
    expect(statusOf(sid)).toBe('in-progress');
  });

  it('on a terminal, ends the calls once the count is typed, and not on another answer', async () => {
    const to = '+13105550666';
    const sids = [seed('in-progress', 900, to), seed('in-progress', 800, to)];
    const wrong = await cliOnTerminal('yes', 'end-all', '--local', '--to', to);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('Type 2 to go ahead');
    expect(wrong.stdout).toContain('not confirmed');
    expect(sids.map(statusOf)).toEqual(['in-progress', 'in-progress']);

    const run = await cliOnTerminal('2', 'end-all', '--local', '--to', to);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Ended 2, already ended 0, failed 0 of 2');
    expect(sids.map(statusOf)).toEqual(['completed', 'completed']);
  });
});

describe('cleanup (the function’s engine, in-process against the local stack)', () => {
  interface Report {
    dryRun: boolean;
    wouldEnd: number;
    ended: number;
    wouldEndCalls: Array<{ sid: string }>;
    scheduleName: string;
  }

  it.each([
    ['Ctrl-C', 'SIGINT', '+13105558'],
    ['SIGHUP (the terminal or SSH session lost)', 'SIGHUP', '+13105557'],
  ] as const)(
    'apply stops on %s: the ends in flight finish, no more are sent, and the report says what was done (exit 3)',
    async (_, signal, to) => {
      const sids = Array.from({ length: 30 }, (_, n) =>
        seed('in-progress', 7_200, `${to}${String(n).padStart(3, '0')}`),
      );
      stack.emulator.setLatency(700);
      try {
        const child = spawn(
          process.execPath,
          [
            bundle,
            'cleanup',
            '--local',
            '--apply',
            '--yes',
            '--to-prefix',
            to,
            '--max-age-in-progress',
            '1h',
            '-o',
            'json',
          ],
          { env, stdio: ['pipe', 'pipe', 'pipe'] },
        );
        // Once: a second Ctrl-C would stop waiting for the ends in flight.
        let pressed = false;
        child.stderr.on('data', (chunk: Buffer) => {
          if (!pressed && chunk.toString().includes('cleanup [')) {
            pressed = true;
            child.kill(signal);
          }
        });
        const run = await collect(child, '');
        expect(run.code, run.stderr).toBe(3);
        expect(run.stderr).toContain('interrupted: no more calls will be ended');
        const report = JSON.parse(run.stdout) as { ended: number; incomplete: boolean };
        const ended = sids.filter((sid) => statusOf(sid) === 'completed').length;
        expect(report.incomplete).toBe(true);
        expect(report.ended).toBe(ended);
        expect(ended).toBeGreaterThan(0);
        expect(ended).toBeLessThan(sids.length);
      } finally {
        stack.emulator.setLatency(0);
      }
    },
  );

  it('apply at full concurrency prints no MaxListenersExceededWarning on the machine’s Node.js 20', async () => {
    const systemPath = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((entry) => !entry.includes('node_modules'))
      .join(delimiter);
    const systemNode = spawnSync('node', ['-p', 'process.execPath'], {
      env: { PATH: systemPath },
      encoding: 'utf8',
    }).stdout.trim();
    expect(
      spawnSync(systemNode, ['-p', 'process.versions.node.split(".")[0]'], {
        encoding: 'utf8',
      }).stdout.trim(),
    ).toBe('20');
    const to = '+13105559';
    const sids = Array.from({ length: 30 }, (_, n) =>
      seed('in-progress', 7_200, `${to}${String(n).padStart(3, '0')}`),
    );
    // Slow answers keep the pool full: every end in flight listens to the run's one hard stop.
    stack.emulator.setLatency(200);
    try {
      const run = await collect(
        spawn(
          systemNode,
          [
            bundle,
            'cleanup',
            '--local',
            '--apply',
            '--yes',
            '--to-prefix',
            to,
            '--max-age-in-progress',
            '1h',
          ],
          {
            env,
            stdio: ['pipe', 'pipe', 'pipe'],
          },
        ),
        '',
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toContain('MaxListenersExceededWarning');
      expect(sids.map(statusOf).every((status) => status === 'completed')).toBe(true);
    } finally {
      stack.emulator.setLatency(0);
    }
  });

  it('dry run reports what the policy would end, with progress, and ends nothing', async () => {
    const stale = seed('ringing', 3_000, '+13105550777');
    const fresh = seed('ringing', 10, '+13105550777');
    const run = await cli(
      'cleanup',
      '--local',
      '--dry-run',
      '--max-age-ringing',
      '40m',
      '--to-prefix',
      '+1310555077',
      '-o',
      'json',
    );
    expect(run.code).toBe(0);
    const report = json<Report>(run);
    expect(report).toMatchObject({ dryRun: true, wouldEnd: 1, ended: 0 });
    expect(report.wouldEndCalls.map((call) => call.sid)).toEqual([stale]);
    // A dry run finds its calls as it goes: a counter, not a bar against the cap.
    expect(run.stderr).toMatch(/dry run: 1 \(1 would-end\)/);
    expect([statusOf(stale), statusOf(fresh)]).toEqual(['ringing', 'ringing']);
  });

  it('apply ends the stale calls and audits each with the local identity', async () => {
    const stale = seed('ringing', 3_000, '+13105550888');
    const fresh = seed('ringing', 10, '+13105550888');
    const run = await cli(
      'cleanup',
      '--local',
      '--apply',
      '--yes',
      '--max-age-ringing',
      '40m',
      '--to-prefix',
      '+1310555088',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ended 1, already ended 0');
    // The bar counts the stale calls the preview found, not the cap.
    expect(run.stderr).toMatch(/cleanup \[#+\] 1\/1 \(1 updated\)/);
    expect([statusOf(stale), statusOf(fresh)]).toEqual(['canceled', 'ringing']);
    const audit = json<{ records: Array<{ audit: Record<string, unknown> }> }>(
      await cli('audit', '--local', '--call', stale, '-o', 'json'),
    );
    expect(audit.records.map((record) => record.audit)).toEqual([
      expect.objectContaining({
        trigger: 'cli',
        // The CLI's own process ran the engine: nothing but the operator's machine vouches for who it was.
        actor: {
          name: 'arn:aws:iam::123456789012:user/local-developer',
          attested: {},
          claimed: { cliUser: 'arn:aws:iam::123456789012:user/local-developer' },
        },
        outcome: 'updated',
        change: { Status: 'canceled' },
      }),
    ]);
  });

  it('apply after a preview that found nothing stale ends nothing: the run is a dry run', async () => {
    const fresh = seed('ringing', 10, '+13105550799');
    const run = await cli(
      'cleanup',
      '--local',
      '--apply',
      '--yes',
      '--max-age-ringing',
      '40m',
      '--to-prefix',
      '+1310555079',
      '-o',
      'json',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('The preview found no stale call: nothing is ended');
    // Not the policy's own cap: a call that went stale after the preview was never confirmed.
    expect(json<Report>(run)).toMatchObject({ dryRun: true, ended: 0 });
    expect(statusOf(fresh)).toBe('ringing');
  });

  it('previews and ends native calls too: a stale campaign cancelled, a fresh call left dialling', async () => {
    const native = (ageSeconds: number) =>
      stack.emulator.native.seed(stack.projectId, {
        status: 'queued',
        ageSeconds,
        from: '+14155550166',
        to: '+13105550966',
      }).id;
    const campaign = [native(600), native(600)];
    const fresh = native(10);
    const nativeStatus = (id: string) => stack.emulator.native.get(stack.projectId, id)?.status;
    const run = await cli(
      'cleanup',
      '--local',
      '--apply',
      '--yes',
      '--max-age-queued',
      '5m',
      '--from-prefix',
      '+14155550166',
    );
    expect(run.code).toBe(0);
    // The preview counted both native calls, so the run was allowed to end both.
    expect(run.stderr).toMatch(/cleanup \[#+\] 2\/2 \(2 updated\)/);
    expect(run.stdout).toContain('ended 2, already ended 0');
    expect([...campaign.map(nativeStatus), nativeStatus(fresh)]).toEqual(['canceled', 'canceled', 'queued']);
  });

  it('prints why a listing failed beside the taxonomy message, and fails', async () => {
    stack.emulator.injectFault({ kind: 'status', status: 500, method: 'GET' });
    const run = await cli(
      'cleanup',
      '--local',
      '--dry-run',
      '--max-age-ringing',
      '2m',
      '--to-prefix',
      '+1310555088',
    );
    stack.emulator.clearFaults();

    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/could not list [a-z-]+: SignalWire answered 500 \(Internal Server Error\)/);
  });

  it("prints SignalWire's reason beside a call it could not end, never a credential, and fails", async () => {
    const sid = seed('in-progress', 7_200, '+13105550871');
    stack.emulator.injectFault({
      kind: 'status',
      status: 502,
      method: 'POST',
      message: 'edge refused Authorization: Basic cHJvamVjdDpQVDAxMjM0NTY3ODlhYmNkZWY= \u001b[2J',
      times: 100,
    });
    const run = await cli(
      'cleanup',
      '--local',
      '--apply',
      '--yes',
      '--max-age-in-progress',
      '1h',
      '--to-prefix',
      '+13105550871',
    );
    stack.emulator.clearFaults();

    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain(
      `failed ${sid}  UPSTREAM_ERROR: SignalWire answered 502 (edge refused Authorization: [redacted] `,
    );
    expect(run.stdout + run.stderr).not.toContain('cHJvamVjd');
    expect(run.stdout + run.stderr).not.toContain('\u001b[2J');
  });

  it('refuses an invalid policy with exit 2, naming the flag as typed', async () => {
    const run = await cli('cleanup', '--local', '--dry-run', '--max-age-ringing', '10s');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--max-age-ringing 10s (10 s) is too short: a maximum age is at least 1m (60 s)',
    );
  });

  it('cleanup --apply with only --max-age-in-progress too short: the hint says which flag, the floor and why, not "give at least one"', async () => {
    const before = stack.emulator.requests.length;
    const run = await cli('cleanup', '--local', '--apply', '--yes', '--max-age-in-progress', '30s');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: invalid policy: --max-age-in-progress 30s (30 s) is too short: a maximum age is at least 1m (60 s)',
    );
    const next = /next:\s+(.*)/.exec(run.stderr)?.[1] ?? '';
    expect(next).toContain('Give --max-age-in-progress 1m or more');
    expect(next).toContain('30s meant as 30m');
    expect(next).toContain('Nothing was ended.');
    expect(next).not.toContain('at least one');
    // Nothing was listed or ended: the policy was refused before the preview.
    expect(stack.emulator.requests.length).toBe(before);

    const none = await cli('cleanup', '--local', '--apply', '--yes', '--to-prefix', '+1310');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no maximum age was given');
    expect(none.stderr).toContain('--max-age-in-progress, --max-age-ringing or --max-age-queued');
    expect(none.stderr).not.toContain('CLEANUP_DEFAULT_POLICY');
    expect(none.stderr).not.toContain("schedule's policy");

    const breaker = await cli(
      'cleanup',
      '--local',
      '--apply',
      '--yes',
      '--max-age-in-progress',
      '1h',
      '--max-calls',
      '0',
    );
    expect(breaker.code).toBe(2);
    expect(breaker.stderr).toContain('--max-calls 0 is out of range: --max-calls must be at least 1');
    expect(breaker.stderr).toContain('circuit breaker');
    expect(breaker.stderr).not.toContain('--max-age');
  });
});

describe('audit', () => {
  it('shows who ended a call just ended, newest first', async () => {
    const sid = seed('in-progress', 100);
    await cli('calls', 'end', sid, '--local', '--yes');
    await cli('calls', 'end', sid, '--local', '--yes');
    const run = await cli('audit', '--local', '--call', sid, '-o', 'json');
    expect(run.code).toBe(0);
    const { records } = json<{ records: Array<{ audit: Record<string, unknown> }> }>(run);
    expect(records.map((record) => record.audit.outcome)).toEqual(['already-ended', 'updated']);
    expect(records[1]?.audit).toMatchObject({
      trigger: 'http',
      // The request went through the (local) API Gateway's IAM authorizer, which attests the principal.
      actor: {
        name: 'arn:aws:iam::123456789012:user/local-developer',
        attested: { principal: 'arn:aws:iam::123456789012:user/local-developer' },
        claimed: {},
      },
      callSid: sid,
      change: { Status: 'completed' },
      resultingStatus: 'completed',
    });
    const table = await cli('audit', '--local', '--call', sid);
    expect(table.stdout).toMatch(/^TIME\s+ACTOR\s+TRIGGER\s+CALL\s+CHANGE\s+OUTCOME\s+REASON/);
    expect(table.stdout).toContain('Status=completed');
  });
});

describe('--direct (SignalWire itself, credentials from Secrets Manager)', () => {
  it('ends a call through the port and audits it as cli:<user> in its own audit file', async () => {
    const sid = seed('in-progress', 100);
    // The local stack points the SDK at its Secrets Manager and allows the emulator's origin, as a test
    // deployment would; --direct reads the same secret the functions read.
    const run = await cli('calls', 'end', sid, '--direct', '--secret-id', LOCAL_SECRET_NAME, '--yes');
    expect(run.code).toBe(0);
    expect(statusOf(sid)).toBe('completed');
    const line = readFileSync(directAuditLog, 'utf8').trim().split('\n').at(-1) ?? '{}';
    expect(JSON.parse(line).audit).toMatchObject({
      trigger: 'cli',
      actor: {
        name: `cli:${userInfo().username}`,
        attested: {},
        claimed: { cliUser: `cli:${userInfo().username}` },
      },
      callSid: sid,
      outcome: 'updated',
    });
    const audit = json<{ records: Array<{ audit: { callSid: string } }> }>(
      await cli('audit', '--direct', '--call', sid, '-o', 'json'),
    );
    expect(audit.records.map((record) => record.audit.callSid)).toEqual([sid]);
  });

  it('goes on when Secrets Manager throttled the first read and the next one works, instead of "Fix the secret"', async () => {
    const sid = seed('in-progress', 100);
    // Three: the AWS SDK's own attempts, so the first read fails; the CLI's typed read after it works.
    stack.aws.injectSecretsManagerFault({
      kind: 'error',
      type: 'ThrottlingException',
      status: 400,
      times: 3,
    });

    const run = await cli('calls', 'end', sid, '--direct', '--secret-id', LOCAL_SECRET_NAME, '--yes');

    expect(run.stderr).not.toContain('Fix the secret');
    expect(run.code).toBe(0);
    expect(statusOf(sid)).toBe('completed');
  });

  it('says Secrets Manager could not be read just now, not "Fix the secret", when it throttled both tries', async () => {
    const sid = seed('in-progress', 100);
    // The first read fails (the AWS SDK's three attempts), the CLI's typed read works, the second take fails.
    stack.aws.injectSecretsManagerFault({
      kind: 'error',
      type: 'ThrottlingException',
      status: 400,
      times: 3,
    });
    stack.aws.injectSecretsManagerFault({ kind: 'pass', times: 1 });
    stack.aws.injectSecretsManagerFault({
      kind: 'error',
      type: 'ThrottlingException',
      status: 400,
      times: 3,
    });

    const run = await cli('calls', 'end', sid, '--direct', '--secret-id', LOCAL_SECRET_NAME, '--yes');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Secrets Manager could not be read just now');
    expect(run.stderr).not.toContain('Fix the secret');
    expect(statusOf(sid)).toBe('in-progress');
  });
});

describe('defect: parentCallSid not normalised (CLI)', () => {
  it('lists the child of a parent given in upper case, through the API and --direct', async () => {
    const parent = seed('in-progress', 100);
    const child = stack.emulator.seedCall(stack.projectId, {
      status: 'in-progress',
      ageSeconds: 50,
      parentCallSid: parent,
    }).sid;
    for (const mode of [['--local'], ['--direct', '--secret-id', LOCAL_SECRET_NAME]]) {
      const listed = json<{ calls: Array<{ sid: string }> }>(
        await cli('calls', 'list', ...mode, '--parent', parent.toUpperCase(), '-o', 'json'),
      );
      expect(listed.calls.map((call) => call.sid)).toEqual([child]);
    }
  });
});

describe('defect: --direct drifted from the API in its list filters (ISO date sent as StartTime>)', () => {
  it('sends SignalWire the same List Calls query through --direct as through the API, dates included', async () => {
    const parent = seed('in-progress', 100);
    const filters = [
      ...['--status', 'in-progress', '--to', '+13105550000', '--parent', parent.toUpperCase()],
      ...[
        '--started-after',
        '2026-11-29T10:00:00+02:00',
        '--started-before',
        'Mon, 30 Nov 2026 08:00:00 GMT',
      ],
      ...['--ended-after', '2026-11-29', '--ended-before', '2026-12-01T00:00:00Z', '--page-size', '7'],
    ];
    const queryThrough = async (...mode: string[]) => {
      stack.emulator.clearRequests();
      const run = await cli('calls', 'list', ...mode, ...filters, '-o', 'json');
      expect(run.code, run.stderr).toBe(0);
      const lists = stack.emulator.requests.filter(
        (request) => request.method === 'GET' && request.path.endsWith('/Calls.json'),
      );
      expect(lists).toHaveLength(1);
      return lists[0]?.query;
    };
    const api = await queryThrough('--local');
    const direct = await queryThrough('--direct', '--secret-id', LOCAL_SECRET_NAME);
    expect(api).toEqual({
      Status: 'in-progress',
      To: '+13105550000',
      ParentCallSid: parent,
      'StartTime>': 'Sun, 29 Nov 2026 08:00:00 +0000',
      'StartTime<': 'Mon, 30 Nov 2026 08:00:00 +0000',
      'EndTime>': 'Sun, 29 Nov 2026 00:00:00 +0000',
      'EndTime<': 'Tue, 01 Dec 2026 00:00:00 +0000',
      PageSize: '7',
    });
    expect(direct).toEqual(api);
  });

  it('describes a 10000 from List Calls through --direct as a refused listing, not a call-state conflict', async () => {
    stack.emulator.injectFault({ kind: 'status', status: 400, method: 'GET' });
    const run = await cli('calls', 'list', '--direct', '--secret-id', LOCAL_SECRET_NAME, '-o', 'json');
    stack.emulator.clearFaults();

    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('SignalWire rejected the request: Invalid argument');
    expect(run.stderr).not.toContain("the call's state does not allow");
  });

  it('refuses a date filter outside years 1000-9999 through --direct by name, sending nothing', async () => {
    stack.emulator.clearRequests();
    const run = await cli(
      'calls',
      'list',
      '--direct',
      '--secret-id',
      LOCAL_SECRET_NAME,
      '--started-after',
      '0000-01-01T00:00:00+14:00',
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--started-after must be a date (RFC 2822 or ISO 8601, years 1000 to 9999');
    expect(stack.emulator.requests.filter((request) => request.path.endsWith('/Calls.json'))).toEqual([]);
  });
});

describe('doctor', () => {
  it('passes every check against a healthy local stack', async () => {
    const run = await cli('doctor', '--local');
    expect(run.code).toBe(0);
    for (const check of [
      'local stack',
      'secret',
      'SignalWire host',
      'API token',
      'signing key',
      'clock skew',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`PASS  ${check}`));
    }
  });

  it('fails the secret check on a broken secret, saying what to fix, without printing it', async () => {
    const healthy = JSON.stringify({
      projectId: stack.projectId,
      apiToken: stack.apiToken,
      spaceUrl: stack.emulator.url,
      signingKey: stack.signingKey,
    });
    stack.aws.putSecret(
      LOCAL_SECRET_NAME,
      JSON.stringify({
        projectId: stack.projectId,
        apiToken: stack.apiToken,
        spaceUrl: 'https://evil.example.com',
      }),
    );
    try {
      const run = await cli('doctor', '--local', '-o', 'json');
      expect(run.code).toBe(1);
      const { checks } = json<{ checks: Array<{ name: string; ok: boolean; detail: string }> }>(run);
      expect(checks.find((check) => check.name === 'secret')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('spaceUrl'),
      });
    } finally {
      stack.aws.putSecret(LOCAL_SECRET_NAME, healthy);
    }
  });
});

describe('SigV4 against the local API Gateway', () => {
  it('refuses a request signed with the wrong secret key (403), and the CLI says what to do', async () => {
    const state = JSON.parse(readFileSync(join(env.CALL_CONTROL_LOCAL_STATE_DIR!, 'stack.json'), 'utf8'));
    const forged = mkdtempSync(join(tmpdir(), 'call-control-forged-'));
    mkdirSync(forged, { recursive: true });
    writeFileSync(join(forged, 'stack.json'), JSON.stringify({ ...state, secretAccessKey: 'not-the-key' }));
    const sid = seed('in-progress', 100);
    const run = await collect(
      spawn(process.execPath, [bundle, 'calls', 'end', sid, '--local', '--yes'], {
        env: { ...env, CALL_CONTROL_LOCAL_STATE_DIR: forged },
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('failed: the local stack');
    expect(run.stdout).toContain(
      'refused the request (403): The request signature we calculated does not match',
    );
    expect(statusOf(sid)).toBe('in-progress');

    // The hint speaks of the local stack's credentials, not of AWS profiles.
    const list = await collect(
      spawn(process.execPath, [bundle, 'calls', 'list', '--local'], {
        env: { ...env, CALL_CONTROL_LOCAL_STATE_DIR: forged },
      }),
    );
    expect(list.code).toBe(1);
    expect(list.stderr).toContain(`the CLI signs with the credentials in ${forged}/stack.json`);
    expect(list.stderr).not.toContain('AWS_PROFILE');
  });
});

describe('hints and messages', () => {
  it('repeats the target flags in the commands a hint suggests', async () => {
    const missing = '6b7c9d1e-0000-4000-8000-00000000dead';
    const run = await cli('calls', 'get', missing, '--local', '--port', String(stack.api.port));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `\`call-control calls list --status in-progress --local --port ${stack.api.port}\``,
    );
  });

  it('names the flag, not the API field, when a date filter is wrong', async () => {
    const run = await cli('calls', 'list', '--local', '--started-after', 'yesterday');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--started-after');
    expect(run.stderr).not.toContain('startTimeAfter');
  });
});

describe('the deployed target (CloudFormation outputs, SigV4 with the standard credential chain)', () => {
  const deployedEnv = () => deployedEnvOf(env, stack.aws.url);
  const deployed = (...args: string[]) =>
    collect(spawn(process.execPath, [bundle, ...args], { env: deployedEnv() }), '');

  it('reads ApiUrl from the stack outputs and ends a call through the signed API', async () => {
    const sid = seed('in-progress', 100, '+13105550999');
    const list = json<{ calls: Array<{ sid: string }> }>(
      await deployed('calls', 'list', '--to', '+13105550999', '-o', 'json'),
    );
    expect(list.calls.map((call) => call.sid)).toEqual([sid]);
    const run = await deployed('calls', 'end', sid, '--yes');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${sid}  ended (completed)`);
    expect(statusOf(sid)).toBe('completed');
  });

  it('cleanup invokes the cleanup function asynchronously, follows its logs to the report, and is audited as claimed', async () => {
    const stale = seed('ringing', 3_000, '+13105551234');
    const fresh = seed('ringing', 10, '+13105551234');
    const dry = await deployed(
      'cleanup',
      '--dry-run',
      '--max-age-ringing',
      '40m',
      '--to-prefix',
      '+1310555123',
      '-o',
      'json',
    );
    expect(dry.code).toBe(0);
    // Named after the caller's IAM principal (STS GetCallerIdentity), not the OS user.
    expect(dry.stderr).toMatch(
      /Invoked call-control-cleanup as "cli-123456789012-user-local-developer-[0-9a-z]+" \(arn:aws:iam::123456789012:user\/local-developer\); following \/aws\/lambda\/call-control/,
    );
    expect(json<{ dryRun: boolean; wouldEnd: number; scheduleName: string }>(dry)).toMatchObject({
      dryRun: true,
      wouldEnd: 1,
      scheduleName: expect.stringMatching(/^cli-123456789012-user-local-developer-[0-9a-z]+$/),
    });
    expect(statusOf(stale)).toBe('ringing');

    const apply = await deployed(
      'cleanup',
      '--apply',
      '--yes',
      '--max-age-ringing',
      '40m',
      '--to-prefix',
      '+1310555123',
    );
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('ended 1, already ended 0');
    expect([statusOf(stale), statusOf(fresh)]).toEqual(['canceled', 'ringing']);
    // A hand invoke of the unqualified function, not the schedules' alias: what AWS attests is only that;
    // the name (after the caller's principal) is claimed.
    const audit = json<{ records: Array<{ audit: Record<string, unknown> }> }>(
      await deployed('audit', '--call', stale, '-o', 'json'),
    );
    const handInvoked = {
      name: expect.stringMatching(/^cli-123456789012-user-local-developer-[0-9a-z]+$/),
      attested: { invokedAs: 'arn:aws:lambda:us-east-1:123456789012:function:call-control-cleanup' },
      claimed: { scheduleName: expect.stringMatching(/^cli-123456789012-user-local-developer-/) },
    };
    expect(audit.records.map((record) => record.audit)).toEqual([
      expect.objectContaining({ trigger: 'schedule', actor: handInvoked, outcome: 'updated' }),
      expect.objectContaining({ trigger: 'schedule', actor: handInvoked, outcome: 'would-end' }),
    ]);
  });

  it('audit queries CloudWatch Logs Insights over the stack’s log groups, newest first', async () => {
    const sid = seed('in-progress', 100);
    await deployed('calls', 'end', sid, '--yes');
    await deployed('calls', 'end', sid, '--yes');
    const run = await deployed('audit', '--call', sid, '--actor', 'local-developer', '-o', 'json');
    expect(run.code).toBe(0);
    const { records } = json<{ records: Array<{ audit: Record<string, unknown> }> }>(run);
    expect(records.map((record) => [record.audit.callSid, record.audit.outcome])).toEqual([
      [sid, 'already-ended'],
      [sid, 'updated'],
    ]);
    const none = json<{ records: unknown[] }>(await deployed('audit', '--actor', 'cli:nobody', '-o', 'json'));
    expect(none.records).toEqual([]);
  });

  it('doctor checks the stack outputs and the secret the functions read', async () => {
    const run = await deployed('doctor');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /PASS {2}stack outputs +SignalWireCallControl \(us-east-1\): ApiUrl http:\/\/127\.0\.0\.1/,
    );
    expect(run.stdout).toMatch(/PASS {2}API token/);
  });

  it('finds the outputs of a CallControl embedded in any stack by their marker, and asks which of several', async () => {
    // A consumer's stack, synthesised from the construct; CloudFormation would resolve its output values,
    // here they are the local stack's.
    const app = testApp();
    const telephony = new Stack(app, 'TelephonyStack');
    new CallControl(telephony, 'Calls', { secretName: LOCAL_SECRET_NAME, schemasDirectory });
    const synthesised = Template.fromStack(telephony).toJSON().Outputs as Record<
      string,
      { Description: string }
    >;
    const resolved = (description: string) =>
      parseMarkedDescription(description)?.name === 'ApiUrl' ? `${stack.api.url}/` : LOCAL_CLEANUP_FUNCTION;
    const outputs = (prefix = '') =>
      Object.fromEntries(
        Object.entries(synthesised).map(([key, { Description }]) => [
          `${prefix}${key}`,
          {
            value: resolved(Description),
            description: Description.replace('[TelephonyStack/', `[${prefix}TelephonyStack/`),
          },
        ]),
      );
    expect(Object.keys(synthesised)).not.toContain('ApiUrl');
    stack.aws.putStack('TelephonyStack', outputs());

    const sid = seed('in-progress', 100, '+13105550998');
    const list = await deployed(
      'calls',
      'list',
      '--stack',
      'TelephonyStack',
      '--to',
      '+13105550998',
      '-o',
      'json',
    );
    expect(list.code).toBe(0);
    expect(json<{ calls: Array<{ sid: string }> }>(list).calls.map((call) => call.sid)).toEqual([sid]);
    const doctor = await deployed('doctor', '--stack', 'TelephonyStack');
    expect(doctor.stdout).toMatch(
      /PASS {2}stack outputs +TelephonyStack \(us-east-1\): ApiUrl http:\/\/127\.0\.0\.1/,
    );

    stack.aws.putStack('TwoCallControls', { ...outputs(), ...outputs('Other') });
    const ambiguous = await deployed('calls', 'list', '--stack', 'TwoCallControls');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(
      'stack "TwoCallControls" holds 2 CallControl constructs: TelephonyStack/Calls, OtherTelephonyStack/Calls',
    );
    expect(ambiguous.stderr).toContain('--construct');
    const chosen = await deployed(
      'calls',
      'list',
      '--stack',
      'TwoCallControls',
      '--construct',
      'TelephonyStack/Calls',
      '--to',
      '+13105550998',
      '-o',
      'json',
    );
    expect(json<{ calls: Array<{ sid: string }> }>(chosen).calls.map((call) => call.sid)).toEqual([sid]);
    const wrong = await deployed('calls', 'list', '--stack', 'TwoCallControls', '--construct', 'Nope/Calls');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'Its CallControl constructs: TelephonyStack/Calls, OtherTelephonyStack/Calls',
    );
  });

  it('doctor checks the secret the stack’s functions name (SIGNALWIRE_SECRET_ID), not --secret-id’s default', async () => {
    stack.aws.putSecret('team/broken-secret', JSON.stringify({ projectId: 'not-a-project' }));
    stack.aws.addFunction('telephony-cleanup', {
      logGroup: '/aws/lambda/telephony-cleanup',
      environment: { SIGNALWIRE_SECRET_ID: 'team/broken-secret' },
      invoke: async () => ({}),
    });
    stack.aws.putStack('BrokenSecretStack', {
      ApiUrl: `${stack.api.url}/`,
      CleanupFunctionName: 'telephony-cleanup',
    });
    const broken = await deployed('doctor', '--stack', 'BrokenSecretStack');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/FAIL {2}secret +.*team\/broken-secret/);
    expect((await deployed('doctor')).stdout).toMatch(/PASS {2}secret +signalwire\/call-control: 1 project/);
  });

  it('says why the secret could not be read: no region, no credentials, no such secret', async () => {
    const bare: NodeJS.ProcessEnv = {
      ...deployedEnv(),
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const name of [
      'AWS_PROFILE',
      'AWS_DEFAULT_REGION',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    ]) {
      delete bare[name];
    }
    const doctor = (runEnv: NodeJS.ProcessEnv, ...args: string[]) =>
      collect(spawn(process.execPath, [bundle, 'doctor', '--direct', ...args], { env: runEnv }), '');

    const noRegion = { ...bare };
    delete noRegion.AWS_REGION;
    const region = await doctor(noRegion);
    expect(region.code).toBe(1);
    expect(region.stdout).toContain(
      'could not read the SignalWire secret "signalwire/call-control": no AWS region is set',
    );
    expect(region.stdout).toContain('next: Set AWS_REGION');

    const noCredentials = { ...bare };
    delete noCredentials.AWS_ACCESS_KEY_ID;
    delete noCredentials.AWS_SECRET_ACCESS_KEY;
    delete noCredentials.AWS_SESSION_TOKEN;
    const credentials = await doctor(noCredentials);
    expect(credentials.stdout).toContain('no AWS credentials (CredentialsProviderError)');
    expect(credentials.stdout).toContain('or pass --profile');
    expect(credentials.stdout).not.toContain('Fix the secret');

    const missing = await doctor(bare, '--secret-id', 'team/no-such-secret');
    expect(missing.stdout).toContain(
      'could not read the SignalWire secret "team/no-such-secret": Secrets Manager has no secret by that name',
    );
    expect(missing.stdout).toContain('next: Pass the right --secret-id');
  });

  it('says a secret Secrets Manager will not decrypt or read (scheduled for deletion) is a fix, not a retry', async () => {
    const doctor = () =>
      collect(spawn(process.execPath, [bundle, 'doctor', '--direct'], { env: deployedEnv() }), '');

    // Twice each: the CLI reads the secret, and on a failure reads it once more to classify it.
    stack.aws.injectSecretsManagerFault({ kind: 'error', type: 'DecryptionFailure', status: 400, times: 2 });
    const undecryptable = await doctor();
    stack.aws.injectSecretsManagerFault({
      kind: 'error',
      type: 'InvalidRequestException',
      status: 400,
      message: "You can't perform this operation on the secret because it was marked for deletion.",
      times: 2,
    });
    const deleted = await doctor();

    expect(undecryptable.code).toBe(1);
    expect(undecryptable.stdout).toContain('access denied (DecryptionFailure)');
    expect(undecryptable.stdout).toContain('kms:Decrypt');
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toContain('it was marked for deletion');
    expect(deleted.stdout).toContain('next: If the secret is scheduled for deletion, restore it');
  });

  it('audit finds the log groups of a stack with more than 100 resources (every ListStackResources page)', async () => {
    const sid = seed('in-progress', 100);
    await deployed('calls', 'end', sid, '--yes');
    const filler = Array.from({ length: 230 }, (_, index) => ({
      logicalId: `queue${index}`,
      type: 'AWS::SQS::Queue',
      physicalId: `https://sqs.us-east-1.amazonaws.com/123456789012/queue-${index}`,
    }));
    stack.aws.putStack('LargeStack', { ApiUrl: `${stack.api.url}/` }, [
      ...filler,
      { logicalId: 'calllogs', type: 'AWS::Logs::LogGroup', physicalId: LOCAL_LOG_GROUP },
    ]);
    const run = await deployed('audit', '--stack', 'LargeStack', '--call', sid, '-o', 'json');
    expect(run.code).toBe(0);
    const { records } = json<{ records: Array<{ audit: Record<string, unknown> }> }>(run);
    expect(records.map((record) => [record.audit.callSid, record.audit.outcome])).toEqual([[sid, 'updated']]);
  });

  it('prints no AWS SDK Node.js-support warning on the machine’s Node.js 20, unless asked to', async () => {
    const systemPath = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((entry) => !entry.includes('node_modules'))
      .join(delimiter);
    const systemNode = spawnSync('node', ['-p', 'process.execPath'], {
      env: { PATH: systemPath },
      encoding: 'utf8',
    }).stdout.trim();
    const major = Number(
      spawnSync(systemNode, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout,
    );
    expect(major).toBe(20); // this machine's Node.js; the SDK warns below 22
    // Asynchronously: the local stack answering the CLI runs in this process.
    const list = (extra: NodeJS.ProcessEnv) =>
      collect(
        spawn(systemNode, [bundle, 'calls', 'list', '--to', '+13105550997'], {
          env: { ...deployedEnv(), ...extra },
        }),
        '',
      );
    const quiet = await list({});
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('NodeVersionSupportWarning');
    // The SDK's own switch, which the CLI only defaults: set to false, the warning is back.
    expect((await list({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' })).stderr).toContain(
      'NodeVersionSupportWarning',
    );
  });

  it('names the stack it could not find and what to do', async () => {
    const run = await deployed('calls', 'list', '--stack', 'NoSuchStack');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CloudFormation stack "NoSuchStack" not found in us-east-1');
    expect(run.stderr).toContain('--stack NAME');
  });

  it('is refused 403 when the credentials are not the ones the API trusts', async () => {
    const sid = seed('in-progress', 100);
    const run = await collect(
      spawn(process.execPath, [bundle, 'calls', 'end', sid, '--yes'], {
        env: { ...deployedEnv(), AWS_SECRET_ACCESS_KEY: 'someone-else' },
      }),
      '',
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('refused the request (403)');
    expect(run.stderr).toContain('execute-api:Invoke');
    expect(statusOf(sid)).toBe('in-progress');
  });
});
