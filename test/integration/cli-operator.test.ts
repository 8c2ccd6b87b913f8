import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_SECRET_NAME, type LocalStack, startLocalStack } from '#local/local-stack';
import { buildCli } from '../../scripts/build-cli.ts';
import { type CliRun, collectRun, deployedEnv } from '../support/cli-process.ts';

/**
 * The CLI as an on-call engineer meets it at 3 a.m.: set-ups and inputs nobody planned for (the audit file's
 * folder, a half-written audit file, a disk that fills up mid-batch). The `call-control` bundle runs as a
 * process against one local stack; each test is named after what it shows.
 */

vi.setConfig({ testTimeout: 120_000 });

const root = join(import.meta.dirname, '..', '..');
const out = join(root, 'dist', 'cli-operator-test');
let stack: LocalStack;
let bundle: string;
let env: NodeJS.ProcessEnv;
let stateDir: string;
/** Every byte any CLI run printed, to check that no secret ever appears. */
const printed: string[] = [];

const collect = async (child: ChildProcess): Promise<CliRun> => {
  const run = await collectRun(child, 30_000, '');
  printed.push(run.stdout, run.stderr);
  return run;
};

/** The CLI without a terminal (stdin a closed pipe, as in a script), in `cwd` when given. */
const cliWith = (runEnv: NodeJS.ProcessEnv, args: string[], cwd?: string): Promise<CliRun> =>
  collect(spawn(process.execPath, [bundle, ...args], { env: runEnv, cwd, stdio: ['pipe', 'pipe', 'pipe'] }));

const direct = ['--direct', '--secret-id', LOCAL_SECRET_NAME] as const;
const statusOf = (sid: string) => stack.emulator.getCall(stack.projectId, sid)?.status;
const seed = () => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 }).sid;
const tempFolder = (name: string) => mkdtempSync(join(tmpdir(), `call-control-${name}-`));
const modeOf = (path: string) => statSync(path).mode & 0o7777;

/**
 * Waits until process `pid` catches `signal` (Linux: its SigCgt mask in /proc), so a signal sent next meets the
 * CLI's handler, not the default action; after `timeoutMs` it returns anyway (a CLI that never installs one).
 */
const untilCatching = async (pid: number, signal: 'SIGHUP', timeoutMs = 10_000): Promise<void> => {
  const bit = 1n << BigInt(constants.signals[signal] - 1);
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const status = existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (caught !== undefined && (BigInt(`0x${caught}`) & bit) !== 0n) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

beforeAll(async () => {
  stateDir = tempFolder('operator');
  [bundle, stack] = await Promise.all([buildCli(out), startLocalStack({ stateDir })]);
  env = {
    ...process.env,
    CALL_CONTROL_LOCAL_STATE_DIR: stateDir,
    CALL_CONTROL_AUDIT_LOG: join(stateDir, 'direct', 'audit.ndjson'),
    PORT: String(stack.api.port),
    TERM: 'xterm',
    NO_COLOR: '1',
  };
  delete env.COLUMNS;
  delete env.FORCE_COLOR;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(out, { recursive: true, force: true });
  const all = printed.join('\n');
  expect(all).not.toContain(stack.apiToken);
  expect(all).not.toContain(stack.signingKey);
});

describe('the audit file (--direct): where it goes, and what may not happen to its folder', () => {
  it('never chmods a folder CALL_CONTROL_AUDIT_LOG names: a shared sticky folder stays 1777; one others may write into without the sticky bit is refused, nothing sent', async () => {
    const shared = join(tempFolder('sticky'), 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const sid = seed();
    const run = await cliWith({ ...env, CALL_CONTROL_AUDIT_LOG: join(shared, 'audit.ndjson') }, [
      'calls',
      'end',
      sid,
      ...direct,
      '--yes',
    ]);
    expect(run.code).toBe(0);
    expect(statusOf(sid)).toBe('completed');
    expect(modeOf(shared)).toBe(0o1777);
    expect(run.stderr).not.toContain('tightened');
    expect(modeOf(join(shared, 'audit.ndjson'))).toBe(0o600);

    const open = join(tempFolder('open'), 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const another = seed();
    const refused = await cliWith({ ...env, CALL_CONTROL_AUDIT_LOG: join(open, 'audit.ndjson') }, [
      'calls',
      'end',
      another,
      ...direct,
      '--yes',
      '-o',
      'json',
    ]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error.code).toBe('AUDIT_FILE_UNSAFE');
    expect(refused.stderr).toContain(`others may write into its folder ${open} (mode 0777, no sticky bit)`);
    expect(modeOf(open)).toBe(0o777);
    expect(statusOf(another)).toBe('in-progress');
  });

  it('says why an audit file cannot be made (a path through a file), exit 1 with AUDIT_FILE_UNWRITABLE, nothing sent', async () => {
    const file = join(tempFolder('notdir'), 'a-file');
    writeFileSync(file, '');
    const sid = seed();
    const run = await cliWith({ ...env, CALL_CONTROL_AUDIT_LOG: join(file, 'logs', 'audit.ndjson') }, [
      'calls',
      'end',
      sid,
      ...direct,
      '--yes',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'AUDIT_FILE_UNWRITABLE',
        message: `cannot write audit records to ${join(file, 'logs', 'audit.ndjson')}: a part of its path is a file, not a folder (ENOTDIR); nothing was sent`,
        hint: expect.stringContaining('Point CALL_CONTROL_AUDIT_LOG at a writable file'),
      },
    });
    expect(run.stderr).not.toContain('unexpected failure');
    expect(statusOf(sid)).toBe('in-progress');
  });

  it('an empty CALL_CONTROL_AUDIT_LOG or XDG_STATE_HOME, or a relative XDG_STATE_HOME, counts as unset: the records go to ~/.local/state, never into the working folder', async () => {
    const home = tempFolder('home');
    const cwd = tempFolder('cwd');
    const cases: NodeJS.ProcessEnv[] = [
      { CALL_CONTROL_AUDIT_LOG: '', XDG_STATE_HOME: '' },
      { CALL_CONTROL_AUDIT_LOG: '', XDG_STATE_HOME: 'state' },
    ];
    for (const extra of cases) {
      const sid = seed();
      const run = await cliWith(
        { ...env, HOME: home, ...extra },
        ['calls', 'end', sid, ...direct, '--yes'],
        cwd,
      );
      expect(run.code, JSON.stringify(extra)).toBe(0);
      expect(run.stderr).not.toContain('unexpected failure');
      expect(readdirSync(cwd), JSON.stringify(extra)).toEqual([]);
      expect(readFileSync(join(home, '.local', 'state', 'call-control', 'audit.ndjson'), 'utf8')).toContain(
        sid,
      );
    }
    expect(modeOf(join(home, '.local', 'state', 'call-control'))).toBe(0o700);
  });

  it('a record cut short at the end of the file (the machine died mid-write) does not swallow the next one', async () => {
    const file = join(tempFolder('cut'), 'audit.ndjson');
    writeFileSync(file, '{"level":"INFO","message":"call-control audit","timest', { mode: 0o600 });
    const sid = seed();
    const run = await cliWith({ ...env, CALL_CONTROL_AUDIT_LOG: file }, [
      'calls',
      'end',
      sid,
      ...direct,
      '--yes',
    ]);
    expect(run.code).toBe(0);
    const audit = await cliWith({ ...env, CALL_CONTROL_AUDIT_LOG: file }, [
      'audit',
      ...direct,
      '--call',
      sid,
      '-o',
      'json',
    ]);
    expect(audit.code).toBe(0);
    expect(
      (JSON.parse(audit.stdout) as { records: Array<{ audit: { callSid: string } }> }).records.map(
        (record) => record.audit.callSid,
      ),
    ).toEqual([sid]);
    expect(audit.stderr).toContain(`skipped 1 line(s) of ${file} that are not whole audit records`);
  });

  it('`audit` skips a record edited by hand or from another tool (no actor, no change), saying how many, instead of an unexpected failure', async () => {
    const file = join(tempFolder('stale'), 'audit.ndjson');
    const now = new Date().toISOString();
    writeFileSync(
      file,
      [
        JSON.stringify({ message: 'call-control audit', timestamp: now, audit: { callSid: 'x' } }),
        JSON.stringify({ message: 'call-control audit', timestamp: 'yesterday', audit: {} }),
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const sid = seed();
    expect(
      (await cliWith({ ...env, CALL_CONTROL_AUDIT_LOG: file }, ['calls', 'end', sid, ...direct, '--yes']))
        .code,
    ).toBe(0);
    for (const args of [['--actor', 'cli:'], []]) {
      const run = await cliWith({ ...env, CALL_CONTROL_AUDIT_LOG: file }, ['audit', ...direct, ...args]);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stderr).not.toContain('unexpected failure');
      expect(run.stdout).toContain(sid);
      expect(run.stderr).toContain('skipped 2 line(s)');
    }
  });

  it('a record is never written through a link the audit file was swapped for while the call was being ended: the link target stays as it was, the record goes to stderr', async () => {
    const folder = tempFolder('link-swap');
    const file = join(folder, 'audit.ndjson');
    const elsewhere = tempFolder('link-target');
    const target = join(elsewhere, 'victim.txt');
    writeFileSync(target, 'not an audit file\n');
    const sid = seed();
    stack.emulator.injectFault({ kind: 'delay', ms: 2_000, method: 'POST' });
    const child = spawn(process.execPath, [bundle, 'calls', 'end', sid, ...direct, '--yes'], {
      env: { ...env, CALL_CONTROL_AUDIT_LOG: file },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const running = collect(child);
    // The file is checked (and opened without following a link) before anything is sent; then it becomes a link.
    for (let waited = 0; !existsSync(file) && waited < 10_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    rmSync(file);
    symlinkSync(target, file);
    const run = await running;
    expect(statusOf(sid)).toBe('completed');
    expect(run.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('not an audit file\n');
    expect(run.stderr).toContain(
      `warning: cannot write audit records to ${file}: it is a symbolic link (ELOOP)`,
    );
    expect(run.stderr).toContain(`"callSid":"${sid}"`);
    rmSync(folder, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('an audit write that fails after the call was ended (the file gone, a full disk) keeps exit 0 and the end, and prints the record on stderr to keep', async () => {
    const folder = tempFolder('swap');
    const file = join(folder, 'audit.ndjson');
    const sid = seed();
    stack.emulator.injectFault({ kind: 'delay', ms: 2_000, method: 'POST' });
    const child = spawn(process.execPath, [bundle, 'calls', 'end', sid, ...direct, '--yes'], {
      env: { ...env, CALL_CONTROL_AUDIT_LOG: file },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const running = collect(child);
    // The file is made before anything is sent; while the end is on its way, it becomes a folder.
    for (let waited = 0; !existsSync(file) && waited < 10_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    rmSync(file);
    mkdirSync(file);
    const run = await running;
    expect(statusOf(sid)).toBe('completed');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${sid}  ended (completed)`);
    expect(run.stderr).toContain(`warning: cannot write audit records to ${file}: it is a folder (EISDIR)`);
    const record = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { audit: { callSid: string; outcome: string } });
    expect(record.map(({ audit }) => [audit.callSid, audit.outcome])).toEqual([[sid, 'updated']]);
  });
});

describe('the command line as pasted at 3 a.m.', () => {
  it('a SID pasted with a zero-width space, a BOM or a soft hyphen, or in quotes (`jq` without -r, a document’s “…”), is that SID', async () => {
    const sid = seed();
    for (const pasted of [
      `\u200b${sid}`,
      `${sid.slice(0, 8)}\u200b${sid.slice(8)}`,
      `\ufeff${sid}\u2060`,
      `"${sid}"`,
      `\u201c${sid}\u201d`,
      ` '${sid}'\n`,
      `${sid.slice(0, 20)}\u00ad${sid.slice(20)}`,
    ]) {
      const run = await cliWith(env, ['calls', 'get', pasted, '--local', '-o', 'json']);
      expect(run.code, JSON.stringify(pasted)).toBe(0);
      expect(JSON.parse(run.stdout).sid).toBe(sid);
    }
  });

  it('a SID with an odd character inside (a no-break space, a Cyrillic letter) is refused with that character shown as an escape, not invisibly', async () => {
    const sid = seed();
    const run = await cliWith(env, [
      'calls',
      'end',
      `${sid.slice(0, 8)}\u00a0${sid.slice(9)}`,
      '--local',
      '--yes',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`"${sid.slice(0, 8)}\\u00a0${sid.slice(9)}" is not a call SID`);
    const cyrillic = `${sid.slice(0, 35)}\u0430`;
    const homoglyph = await cliWith(env, ['calls', 'end', cyrillic, '--local', '--yes']);
    expect(homoglyph.code).toBe(2);
    expect(homoglyph.stderr).toContain(`"${sid.slice(0, 35)}\\u0430" is not a call SID`);
    expect(statusOf(sid)).toBe('in-progress');
  });

  it('a SID given twice in one batch (pasted twice, or in capitals) is ended once: one request, one audit record, one result', async () => {
    const file = join(tempFolder('twice'), 'audit.ndjson');
    const [sid, other] = [seed(), seed()];
    const run = await cliWith({ ...env, CALL_CONTROL_AUDIT_LOG: file }, [
      'calls',
      'end',
      sid,
      other,
      sid.toUpperCase(),
      ` ${sid}`,
      ...direct,
      '--yes',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(0);
    expect(
      (JSON.parse(run.stdout) as { results: Array<{ sid: string; outcome: string }> }).results.map(
        (result) => [result.sid, result.outcome],
      ),
    ).toEqual([
      [sid, 'updated'],
      [other, 'updated'],
    ]);
    expect(run.stderr).toContain(`note: ${sid} was given 3 times; it is acted on once`);
    expect(readFileSync(file, 'utf8').split(sid).length - 1).toBe(1);
  });

  it('`calls end -` stops reading a stdin that is no list of SIDs (`yes |`, `< /dev/zero`) past 1 MiB, exit 2, nothing sent', async () => {
    const sid = seed();
    const child = spawn(process.execPath, [bundle, 'calls', 'end', '-', '--local', '--yes', '-o', 'json'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // An endless input, as `yes <sid> |` gives: the run must end without waiting for an end of input.
    const line = Buffer.from(`${sid}\n`.repeat(1000));
    const feed = () => {
      while (child.stdin.writable && child.stdin.write(line)) {}
    };
    child.stdin.on('drain', feed);
    child.stdin.on('error', () => {});
    feed();
    const run = await collectRun(child, 30_000);
    printed.push(run.stdout, run.stderr);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error.message).toMatch(/^more than 1 MiB on stdin: not a list of SIDs/);
    expect(statusOf(sid)).toBe('in-progress');
  });

  it('--local with CALL_CONTROL_LOCAL_STATE_DIR naming a folder without a stack says to start it there, not to pass --port', async () => {
    const empty = tempFolder('no-stack');
    chmodSync(empty, 0o700);
    const run = await cliWith({ ...env, CALL_CONTROL_LOCAL_STATE_DIR: empty }, [
      'calls',
      'list',
      '--local',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(1);
    const { error } = JSON.parse(run.stdout) as { error: { message: string; hint: string } };
    expect(error.message).toBe(
      `no local stack found in CALL_CONTROL_LOCAL_STATE_DIR (${join(empty, 'stack.json')} does not exist)`,
    );
    expect(error.hint).toContain(`CALL_CONTROL_LOCAL_STATE_DIR=${empty} npm start`);
    expect(error.hint).not.toContain('pass --port');
  });

  it('Ctrl-C while `calls end -` is reading its SIDs says that nothing was sent, exit 130, with the error object in -o json', async () => {
    const sid = seed();
    const child = spawn(process.execPath, [bundle, 'calls', 'end', '-', '--local', '--yes', '-o', 'json'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.on('error', () => {});
    // Part of a list, and the pipe left open: a slow producer, or the operator typing into `cat |`.
    child.stdin.write(`${sid}\n`);
    const run = collectRun(child, 30_000);
    await untilCatching(child.pid!, 'SIGHUP');
    child.kill('SIGINT');
    const done = await run;
    printed.push(done.stdout, done.stderr);
    expect(done.code).toBe(130);
    expect(done.stderr).toContain('interrupted while reading the SIDs from stdin; nothing was sent');
    const { error } = JSON.parse(done.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toContain('nothing was sent');
    expect(statusOf(sid)).toBe('in-progress');
  });

  it('`calls end - --yes < sids.txt` ends the SIDs of a list from stdin: CRLF, a BOM, blank lines, # comments, commas and a repeat; without --yes it refuses before reading', async () => {
    const file = join(tempFolder('stdin'), 'audit.ndjson');
    const [first, second, third] = [seed(), seed(), seed()];
    const list = `\ufeff${first}\r\n\r\n# from the incident sheet\r\n${second}, ${third}\r\n${first.toUpperCase()}\r\n`;
    const runWith = (args: string[]) =>
      collectRun(
        spawn(process.execPath, [bundle, 'calls', 'end', '-', ...direct, ...args], {
          env: { ...env, CALL_CONTROL_AUDIT_LOG: file },
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
        30_000,
        list,
      );
    const refused = await runWith(['-o', 'json']);
    printed.push(refused.stdout, refused.stderr);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error.code).toBe('NOT_CONFIRMED');
    expect(refused.stderr).toContain('refusing to end calls listed on stdin without --yes');
    expect(refused.stderr).not.toContain('<sid>');
    expect([first, second, third].map(statusOf)).toEqual(['in-progress', 'in-progress', 'in-progress']);

    const run = await runWith(['--yes', '-o', 'json']);
    printed.push(run.stdout, run.stderr);
    expect(run.code, run.stderr).toBe(0);
    expect(
      (JSON.parse(run.stdout) as { results: Array<{ sid: string; outcome: string }> }).results.map(
        (result) => [result.sid, result.outcome],
      ),
    ).toEqual([
      [first, 'updated'],
      [second, 'updated'],
      [third, 'updated'],
    ]);
    expect([first, second, third].map(statusOf)).toEqual(['completed', 'completed', 'completed']);
    expect(readFileSync(file, 'utf8').split(first).length - 1).toBe(1);
  });

  it('`end-all --to A --to B --yes` is refused (exit 2) naming both values, and ends nothing, rather than ending the calls to B alone', async () => {
    const to = ['+13105558101', '+13105558102'];
    const calls = to.map(
      (number) =>
        stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60, to: number }).sid,
    );
    const run = await cliWith(env, [
      'end-all',
      '--local',
      '--to',
      to[0]!,
      '--to',
      to[1]!,
      '--yes',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      code: 'USAGE',
      message: `option '--to' given twice, as "${to[0]}" and "${to[1]}"; it takes one value`,
    });
    expect(calls.map(statusOf)).toEqual(['in-progress', 'in-progress']);
  });

  it('`--port` naming another stack than the one CALL_CONTROL_LOCAL_STATE_DIR holds is refused (exit 2), not dropped in silence', async () => {
    const sid = seed();
    const other = stack.api.port === 65_535 ? 65_534 : stack.api.port + 1;
    const run = await cliWith(env, [
      'calls',
      'end',
      sid,
      '--local',
      '--port',
      String(other),
      '--yes',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      code: 'LOCAL_PORT_MISMATCH',
      message: `--port ${other}, but CALL_CONTROL_LOCAL_STATE_DIR (${stateDir}) holds the local stack on port ${stack.api.port} (http://127.0.0.1:${stack.api.port}); nothing was sent`,
    });
    expect(statusOf(sid)).toBe('in-progress');
    // The same port as the state's, or none (PORT, the default), is that stack.
    const same = await cliWith(env, [
      'calls',
      'get',
      sid,
      '--local',
      '--port',
      String(stack.api.port),
      '-o',
      'json',
    ]);
    expect(same.code).toBe(0);
  });

  it('`-o=json` is `-o json`, and durations add up: `end-all --older-than 1h30m` leaves a call of an hour, takes one of two', async () => {
    const to = '+13105558103';
    const young = stack.emulator.seedCall(stack.projectId, {
      status: 'in-progress',
      ageSeconds: 3600,
      to,
    }).sid;
    const old = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 7200, to }).sid;
    const run = await cliWith(env, [
      'end-all',
      '--local',
      '--to',
      to,
      '--older-than',
      '1h30m',
      '--dry-run',
      '-o=json',
    ]);
    expect(run.code).toBe(0);
    const { preview } = JSON.parse(run.stdout) as { preview: { calls: Array<{ sid: string }> } };
    expect(preview.calls.map((call) => call.sid)).toEqual([old]);
    expect(statusOf(young)).toBe('in-progress');
  });
});

describe('a clock far off (a laptop that lost NTP)', () => {
  const skewedClock = join(import.meta.dirname, '..', 'support', 'skewed-clock.mjs');
  const cliAtSkew = (skewMs: number, args: string[]) =>
    collect(
      spawn(process.execPath, ['--import', skewedClock, bundle, ...args], {
        env: { ...env, CALL_CONTROL_TEST_CLOCK_SKEW_MS: String(skewMs) },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );

  it('says the clock is behind or ahead, by about how much, and how to set it, not "your credentials were refused"; nothing changed', async () => {
    const sid = seed();
    const behind = await cliAtSkew(-2 * 3600_000, ['calls', 'end', sid, '--local', '--yes', '-o', 'json']);
    expect(behind.code, behind.stdout + behind.stderr).toBe(1);
    const { results } = JSON.parse(behind.stdout) as {
      results: Array<{ outcome: string; error: { code: string; message: string; hint: string } }>;
    };
    expect(results.map((result) => result.outcome)).toEqual(['failed']);
    const error = results[0]!.error;
    expect(error.code).toBe('CLOCK_SKEW');
    expect(error.message).toMatch(
      /^the local stack \(http:\/\/127\.0\.0\.1:\d+\) refused the request \(403\): this computer's clock is behind by about (1h 59m|2h 00m) \(this computer says /,
    );
    expect(error.message).toContain('nothing was changed');
    expect(error.hint).toContain('Set the clock right (`sudo timedatectl set-ntp true`');
    expect(behind.stderr).not.toContain('AWS_PROFILE');
    expect(statusOf(sid)).toBe('in-progress');

    const ahead = await cliAtSkew(3 * 86_400_000, ['calls', 'list', '--local']);
    expect(ahead.code).toBe(1);
    expect(ahead.stderr).toContain("this computer's clock is ahead by about 72h 00m");
    expect(ahead.stderr).toContain('Signature not yet current');
  });
});

/**
 * A forward proxy on loopback, as a corporate one: plain-HTTP requests in absolute form are forwarded, CONNECT
 * opens a tunnel. It records what went through it.
 */
const startRecordingProxy = async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '/');
    const forwarded = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  server.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/**
 * A proxy that wants credentials it was not given: 407 to every request, forwarded or CONNECT (a tunnel it
 * refuses). It records what reached it, with the Proxy-Authorization header if any.
 */
const startRefusingProxy = async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(407, { 'proxy-authenticate': 'Basic realm="corp"', 'content-type': 'text/html' });
    res.end('<html>proxy login</html>');
  });
  server.on('connect', (req, socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end(
      'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n',
    );
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/**
 * An https proxy that will not open a CONNECT tunnel: it answers `status` to CONNECT, or (`close`) ends the
 * connection without a word. Nothing it is asked for reaches the host named.
 */
const startTunnelRefusingProxy = async (answer: '403 Forbidden' | '502 Bad Gateway' | 'close') => {
  const seen: string[] = [];
  const server = createServer((_req, res) => res.writeHead(500).end());
  server.on('connect', (req, socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.on('error', () => {});
    if (answer === 'close') socket.destroy();
    else socket.end(`HTTP/1.1 ${answer}\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

describe('behind a corporate proxy (HTTP_PROXY / HTTPS_PROXY, as the AWS CLI reads them)', () => {
  it('--direct to an https space through HTTPS_PROXY that refuses the CONNECT tunnel (403, 502, closed): PROXY_REFUSED with its status, for a read and a change, not UPSTREAM_UNREACHABLE', async () => {
    const secretId = 'signalwire/behind-https-proxy';
    stack.aws.putSecret(
      secretId,
      JSON.stringify({
        projectId: stack.projectId,
        apiToken: stack.apiToken,
        spaceUrl: 'example.signalwire.com',
        signingKey: stack.signingKey,
      }),
    );
    const cases = [
      ['403 Forbidden', 'HTTP 403 to the tunnel'],
      ['502 Bad Gateway', 'HTTP 502 to the tunnel'],
      ['close', 'opened no tunnel'],
    ] as const;
    for (const [answer, said] of cases) {
      const proxy = await startTunnelRefusingProxy(answer);
      try {
        const runEnv: NodeJS.ProcessEnv = {
          ...env,
          HTTPS_PROXY: `http://ops:hunter2@127.0.0.1:${proxy.port}`,
          NO_PROXY: new URL(String(env.AWS_ENDPOINT_URL_SECRETS_MANAGER)).host,
        };
        delete runEnv.NODE_USE_ENV_PROXY;
        const target = ['--direct', '--secret-id', secretId, '-o', 'json'];
        const listed = await cliWith(runEnv, ['calls', 'list', ...target]);
        expect(listed.code, listed.stderr).toBe(1);
        const listError = JSON.parse(listed.stdout).error as { code: string; message: string; hint: string };
        expect(listError.code).toBe('PROXY_REFUSED');
        expect(listError.message).toContain(`the proxy HTTPS_PROXY (http://127.0.0.1:${proxy.port})`);
        expect(listError.message).toContain(said);
        expect(listError.hint).toContain('NO_PROXY');

        const sid = seed();
        const ended = await cliWith(runEnv, [
          'calls',
          'end',
          sid,
          '--api',
          'compatibility',
          '--yes',
          ...target,
        ]);
        expect(ended.code, ended.stderr).toBe(1);
        const [result] = JSON.parse(ended.stdout).results as {
          outcome: string;
          error: { code: string; message: string };
        }[];
        expect(result?.outcome).toBe('failed');
        expect(result?.error.code).toBe('PROXY_REFUSED');
        expect(result?.error.message).toContain(said);
        expect(result?.error.message).toContain('nothing was sent past the proxy');
        expect(proxy.seen).toContain('CONNECT example.signalwire.com:443');
        expect(statusOf(sid)).toBe('in-progress');
        expect(listed.stdout + listed.stderr + ended.stdout + ended.stderr).not.toContain('hunter2');
      } finally {
        await proxy.close();
      }
    }
  });

  it('cleanup --direct through HTTPS_PROXY that refuses the tunnel: the report names the proxy (PROXY_REFUSED), as `calls end` does; --apply stops at its preview', async () => {
    const secretId = 'signalwire/cleanup-behind-https-proxy';
    stack.aws.putSecret(
      secretId,
      JSON.stringify({
        projectId: stack.projectId,
        apiToken: stack.apiToken,
        spaceUrl: 'example.signalwire.com',
        signingKey: stack.signingKey,
      }),
    );
    const proxy = await startTunnelRefusingProxy('403 Forbidden');
    try {
      const runEnv: NodeJS.ProcessEnv = {
        ...env,
        HTTPS_PROXY: `http://ops:hunter2@127.0.0.1:${proxy.port}`,
        NO_PROXY: new URL(String(env.AWS_ENDPOINT_URL_SECRETS_MANAGER)).host,
      };
      delete runEnv.NODE_USE_ENV_PROXY;
      const policy = ['--max-age-in-progress', '1h', '--secret-id', secretId, '--direct'];
      const dry = await cliWith(runEnv, ['cleanup', '--dry-run', ...policy, '-o', 'json']);
      expect(dry.code, dry.stderr).toBe(1);
      const report = JSON.parse(dry.stdout) as {
        listingFailures: { api: string; code: string; message: string; hint?: string }[];
      };
      expect(report.listingFailures.length).toBeGreaterThan(0);
      for (const failure of report.listingFailures) {
        expect(failure.code).toBe('PROXY_REFUSED');
        expect(failure.message).toContain(
          `the request to SignalWire failed: the proxy HTTPS_PROXY (http://127.0.0.1:${proxy.port}) refused to carry the request to example.signalwire.com (HTTP 403 to the tunnel)`,
        );
        expect(failure.hint).toContain('NO_PROXY');
      }
      const shown = await cliWith(runEnv, ['cleanup', '--dry-run', ...policy]);
      expect(shown.code).toBe(1);
      expect(shown.stdout).toContain(
        'could not list in-progress: the request to SignalWire failed: the proxy',
      );
      expect(shown.stdout).toMatch(
        /next: {2}Ask for example\.signalwire\.com to be allowed through the proxy/,
      );
      expect(shown.stdout).not.toContain('UPSTREAM_UNREACHABLE');

      const sid = seed();
      const applied = await cliWith(runEnv, ['cleanup', '--apply', '--yes', ...policy, '-o', 'json']);
      expect(applied.code).toBe(1);
      expect(JSON.parse(applied.stdout).error.code).toBe('PROXY_REFUSED');
      expect(statusOf(sid)).toBe('in-progress');
      expect(proxy.seen).toContain('CONNECT example.signalwire.com:443');
      expect(dry.stdout + dry.stderr + shown.stdout + applied.stdout + applied.stderr).not.toContain(
        'hunter2',
      );
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that answers 407 to the AWS SDK is named as the proxy (which variable, NO_PROXY), without its password', async () => {
    const proxy = await startRefusingProxy();
    try {
      const runEnv: NodeJS.ProcessEnv = {
        ...deployedEnv(env, stack.aws.url),
        HTTP_PROXY: `http://ops:hunter2@127.0.0.1:${proxy.port}`,
      };
      delete runEnv.NODE_USE_ENV_PROXY;
      const run = await cliWith(runEnv, ['calls', 'list', '-o', 'json']);
      expect(proxy.seen.length).toBeGreaterThan(0);
      expect(run.code).toBe(1);
      const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string; hint: string } };
      expect(error.code).toBe('PROXY_REFUSED');
      expect(error.message).toContain('407');
      expect(error.message).toContain(`the proxy HTTP_PROXY (http://127.0.0.1:${proxy.port})`);
      expect(error.hint).toContain('HTTP_PROXY=http://USER:PASSWORD@');
      expect(error.hint).toContain('NO_PROXY');
      expect(error.hint).not.toContain('role');
      expect(run.stderr).toContain('proxy');
      expect(run.stdout + run.stderr).not.toContain('hunter2');
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that answers 407 to the signed API request is named as the proxy, not as the API', async () => {
    const proxy = await startRefusingProxy();
    try {
      const aws = new URL(stack.aws.url);
      const runEnv: NodeJS.ProcessEnv = {
        ...deployedEnv(env, stack.aws.url),
        HTTP_PROXY: `http://ops:hunter2@127.0.0.1:${proxy.port}`,
        NO_PROXY: aws.host,
      };
      delete runEnv.NODE_USE_ENV_PROXY;
      const sid = seed();
      const run = await cliWith(runEnv, ['calls', 'end', sid, '--yes', '-o', 'json']);
      expect(proxy.seen.length).toBeGreaterThan(0);
      expect(run.code).toBe(1);
      const out = JSON.parse(run.stdout);
      const [result] = out.results as {
        outcome: string;
        error: { code: string; message: string; hint: string };
      }[];
      // Nothing went past the proxy: not "may or may not have been applied" (exit 3).
      expect(result?.outcome).toBe('failed');
      expect(result?.error.code).toBe('PROXY_REFUSED');
      expect(result?.error.message).toContain('407');
      expect(result?.error.hint).toContain(`HTTP_PROXY=http://USER:PASSWORD@`);
      expect(result?.error.hint).toContain('NO_PROXY');
      expect(statusOf(sid)).toBe('in-progress');
      expect(run.stdout + run.stderr).not.toContain('hunter2');
    } finally {
      await proxy.close();
    }
  });

  it('--direct through a proxy that answers 407: the secret read, then SignalWire, each named as the proxy', async () => {
    const proxy = await startRefusingProxy();
    try {
      const runEnv: NodeJS.ProcessEnv = { ...env, HTTP_PROXY: `http://ops:hunter2@127.0.0.1:${proxy.port}` };
      delete runEnv.NODE_USE_ENV_PROXY;
      const proxyShown = `the proxy HTTP_PROXY (http://127.0.0.1:${proxy.port})`;
      const secret = await cliWith(runEnv, ['calls', 'list', ...direct, '-o', 'json']);
      expect(secret.code).toBe(1);
      const secretError = JSON.parse(secret.stdout).error as { code: string; message: string; hint: string };
      expect(secretError.code).toBe('PROXY_REFUSED');
      expect(secretError.message).toContain(
        `reading the SignalWire secret "${LOCAL_SECRET_NAME}" failed: ${proxyShown}`,
      );
      expect(secretError.hint).toContain('HTTP_PROXY=http://USER:PASSWORD@');

      // The secret read directly, SignalWire through the proxy: a change refused by the proxy was never sent.
      const sid = seed();
      const aws = new URL(String(env.AWS_ENDPOINT_URL_SECRETS_MANAGER));
      const ended = await cliWith({ ...runEnv, NO_PROXY: aws.host }, [
        'calls',
        'end',
        sid,
        ...direct,
        '--yes',
        '-o',
        'json',
      ]);
      expect(ended.code).toBe(1);
      const [result] = JSON.parse(ended.stdout).results as {
        outcome: string;
        error: { code: string; message: string };
      }[];
      expect(result?.outcome).toBe('failed');
      expect(result?.error.code).toBe('PROXY_REFUSED');
      expect(result?.error.message).toContain(`the request to SignalWire failed: ${proxyShown}`);
      const listed = await cliWith({ ...runEnv, NO_PROXY: aws.host }, [
        'calls',
        'list',
        ...direct,
        '-o',
        'json',
      ]);
      expect(listed.code).toBe(1);
      expect(JSON.parse(listed.stdout).error.code).toBe('PROXY_REFUSED');
      expect(statusOf(sid)).toBe('in-progress');
      expect([secret, ended, listed].map((run) => run.stdout + run.stderr).join('')).not.toContain('hunter2');
    } finally {
      await proxy.close();
    }
  });

  it('sends the AWS SDK’s requests and the signed API request through the proxy, without NODE_USE_ENV_PROXY', async () => {
    const proxy = await startRecordingProxy();
    try {
      const sid = seed();
      const runEnv: NodeJS.ProcessEnv = { ...deployedEnv(env, stack.aws.url), HTTP_PROXY: proxy.url };
      delete runEnv.NODE_USE_ENV_PROXY;
      const run = await cliWith(runEnv, ['calls', 'get', sid, '-o', 'json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).sid).toBe(sid);
      const aws = new URL(stack.aws.url);
      const api = new URL(stack.api.url);
      // CloudFormation (the AWS SDK's own agent) and the operator API (fetch) both went through it.
      expect(proxy.seen.some((line) => line.startsWith(`POST http://${aws.host}/`))).toBe(true);
      expect(proxy.seen.some((line) => line.includes(`${api.hostname}:${api.port}`))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that refuses connections is named in the hint, without the password its URL carries; --local never goes through it', async () => {
    const runEnv: NodeJS.ProcessEnv = {
      ...deployedEnv(env, stack.aws.url),
      HTTP_PROXY: 'http://ops:hunter2@127.0.0.1:9',
    };
    delete runEnv.NODE_USE_ENV_PROXY;
    const run = await cliWith(runEnv, ['calls', 'list', '-o', 'json']);
    expect(run.code).toBe(1);
    const { error } = JSON.parse(run.stdout) as { error: { code: string; hint: string } };
    expect(error.code).toBe('AWS_UNREACHABLE');
    expect(error.hint).toContain('the proxy HTTP_PROXY (http://127.0.0.1:9)');
    expect(run.stdout + run.stderr).not.toContain('hunter2');

    const local = await cliWith({ ...env, HTTP_PROXY: 'http://127.0.0.1:9' }, [
      'calls',
      'list',
      '--local',
      '-o',
      'json',
    ]);
    expect(local.code).toBe(0);
  });

  it('reads a bare name in NO_PROXY as the AWS CLI and curl do: `corp.invalid` also keeps `cloudformation.corp.invalid` off the proxy', async () => {
    const proxy = await startRecordingProxy();
    try {
      const runEnv: NodeJS.ProcessEnv = {
        ...deployedEnv(env, 'http://cloudformation.corp.invalid:9'),
        HTTP_PROXY: proxy.url,
        NO_PROXY: 'localhost, corp.invalid',
      };
      delete runEnv.NODE_USE_ENV_PROXY;
      const run = await cliWith(runEnv, ['calls', 'list', '-o', 'json']);
      // Sent directly, the name does not resolve: the proxy never saw the request.
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout).error.code).toBe('AWS_UNREACHABLE');
      expect(proxy.seen).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('--local never goes through the proxy even when Node was told to use it (NODE_USE_ENV_PROXY=1, NO_PROXY naming other hosts)', async () => {
    const proxy = await startRecordingProxy();
    try {
      const run = await cliWith(
        {
          ...env,
          NODE_USE_ENV_PROXY: '1',
          HTTP_PROXY: proxy.url,
          HTTPS_PROXY: proxy.url,
          NO_PROXY: 'internal.example',
        },
        ['calls', 'list', '--local', '-o', 'json'],
      );
      expect(run.code, run.stderr).toBe(0);
      expect(Array.isArray(JSON.parse(run.stdout).calls)).toBe(true);
      expect(proxy.seen).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('the AWS environment of a workstation (deployed target)', () => {
  const bare = (): NodeJS.ProcessEnv => {
    const folder = tempFolder('aws');
    const runEnv: NodeJS.ProcessEnv = {
      ...deployedEnv(env, stack.aws.url),
      HOME: folder,
      AWS_CONFIG_FILE: join(folder, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(folder, 'credentials'),
    };
    delete runEnv.AWS_REGION;
    delete runEnv.AWS_DEFAULT_REGION;
    delete runEnv.AWS_PROFILE;
    return runEnv;
  };

  it('no region anywhere: says which flag, variable or profile setting gives one (AWS_REGION_MISSING), not the SDK’s "Region is missing"', async () => {
    const run = await cliWith(bare(), ['calls', 'list', '-o', 'json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toEqual({
      code: 'AWS_REGION_MISSING',
      message:
        'reading the outputs of stack "SignalWireCallControl" failed: no AWS region (neither --region, AWS_REGION, AWS_DEFAULT_REGION nor profile default names one)',
      hint: 'Pass --region (e.g. --region us-east-1), set AWS_REGION, or add `region = …` to the profile in ~/.aws/config.',
    });
  });

  it('AWS_PROFILE naming a profile that does not exist says to unset AWS_PROFILE (not "leave out --profile", which was never given)', async () => {
    const run = await cliWith({ ...bare(), AWS_PROFILE: 'on-call' }, [
      'calls',
      'list',
      '--region',
      'us-east-1',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('AWS profile "on-call" does not exist');
    expect(run.stderr).toContain('or unset AWS_PROFILE.');
    expect(run.stderr).not.toContain('--profile.');
  });
});

describe('a value of a fixed set, typed by a tired operator', () => {
  const live = (to: string, direction: 'inbound' | 'outbound') =>
    stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60, to, direction }).sid;

  it('reads --status, --direction and -o in any case, as --api and --method are read', async () => {
    const to = '+13105550811';
    const inbound = live(to, 'inbound');
    live(to, 'outbound');
    const listed = await cliWith(env, [
      'calls',
      'list',
      '--local',
      '--to',
      to,
      '--status',
      'IN-PROGRESS',
      '-o',
      'JSON',
    ]);
    expect(listed.code).toBe(0);
    const calls = (JSON.parse(listed.stdout) as { calls: Array<{ status: string }> }).calls;
    expect(calls.map((call) => call.status)).toEqual(['in-progress', 'in-progress']);

    // One status given twice, in two cases, lists its calls once: each match is counted (and ended) once.
    const preview = await cliWith(env, [
      'end-all',
      '--local',
      '--to',
      to,
      '--status',
      'In-Progress',
      '--status',
      'in-progress',
      '--direction',
      'INBOUND',
      '--dry-run',
      '-o',
      'Json',
    ]);
    expect(preview.code).toBe(0);
    const previewed = JSON.parse(preview.stdout) as { preview: { calls: Array<{ sid: string }> } };
    expect(previewed.preview.calls.map((call) => call.sid)).toEqual([inbound]);

    const cleanup = await cliWith(env, [
      'cleanup',
      '--local',
      '--dry-run',
      '--max-age-in-progress',
      '1h',
      '--direction',
      'Inbound',
      '-o',
      'NDJSON',
    ]);
    expect(cleanup.code).toBe(0);

    const sid = live(to, 'outbound');
    const ended = await cliWith(env, ['calls', 'update', sid, '--local', '--status', 'COMPLETED', '--yes']);
    expect(ended.code).toBe(0);
    expect(statusOf(sid)).toBe('completed');
  });

  it('refuses a value outside the set naming the flag and the value given, in -o json as on stderr, nothing sent', async () => {
    const run = await cliWith(env, ['calls', 'list', '--local', '--status', 'bogus', '-o', 'json']);
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(/^--status must be queued, ringing, in-progress, .*, got "bogus"$/);
    expect(run.stderr).toContain('--status must be queued');

    const output = await cliWith(env, ['calls', 'list', '--local', '-o', 'xml']);
    expect(output.code).toBe(2);
    expect(output.stderr).toContain('-o must be table, json, ndjson, got "xml"');
  });

  it('names the --max-age-* flag and the value typed when the policy refuses it, not the policy field', async () => {
    const run = await cliWith(env, [
      'cleanup',
      '--local',
      '--dry-run',
      '--max-age-in-progress',
      '0s',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout) as { error: { message: string } };
    expect(error.message).toBe(
      'invalid policy: --max-age-in-progress 0s (0 s) is too short: a maximum age is at least 1m (60 s)',
    );
    expect(run.stderr).not.toContain('policy.maxAgeSeconds');

    // A field from --policy-file keeps the file's own name: that is what the operator has to fix.
    const folder = tempFolder('policy');
    const file = join(folder, 'policy.json');
    writeFileSync(file, JSON.stringify({ maxAgeSeconds: { ringing: 5 } }));
    const fromFile = await cliWith(env, ['cleanup', '--local', '--dry-run', '--policy-file', file]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain('policy.maxAgeSeconds.ringing must be >= 60');
    rmSync(folder, { recursive: true, force: true });
  });
});
