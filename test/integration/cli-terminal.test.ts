import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_SECRET_NAME, type LocalStack, startLocalStack } from '#local/local-stack';
import { buildCli } from '../../scripts/build-cli.ts';
import { type CliRun, collectRun, spawnOnTerminal } from '../support/cli-process.ts';
import { startScriptedServer } from '../support/scripted-server.ts';

/**
 * The terminal findings of issue 18 (item 8) and the terminal-safety ones of issue 17 (items 4 and 5): the
 * `call-control` bundle run as a process against one local stack, on a pseudo-terminal (util-linux `script`)
 * where a person would be typing. Each test is named after the finding it shows fixed.
 */

// Each test runs the CLI several times as a process; on a busy machine that takes a while.
vi.setConfig({ testTimeout: 120_000 });

const root = join(import.meta.dirname, '..', '..');
let stack: LocalStack;
let bundle: string;
let env: NodeJS.ProcessEnv;
let stateDir: string;

type Run = CliRun;
const collect = (child: ChildProcess, input?: string): Promise<Run> => collectRun(child, 30_000, input);

/** The CLI without a terminal (stdin a closed pipe, as in a script). */
const cliWith = (runEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> =>
  collect(spawn(process.execPath, [bundle, ...args], { env: runEnv, stdio: ['pipe', 'pipe', 'pipe'] }), '');
const cli = (...args: string[]) => cliWith(env, ...args);

/**
 * The CLI on a pseudo-terminal `cols` wide; `react` sees everything the terminal has shown so far and may
 * type (`\x03` is Ctrl-C). stdout and stderr both arrive in `stdout`, as a person sees them.
 */
const onTerminal = (
  args: string[],
  react: (shown: string, type: (keys: string) => void) => void = () => {},
  cols = 120,
): Promise<Run> => collect(spawnOnTerminal(bundle, args, env, react, cols));

const statusOf = (sid: string) => stack.emulator.getCall(stack.projectId, sid)?.status;
const seed = (status: 'in-progress' | 'ringing' | 'queued', ageSeconds: number, to?: string, from?: string) =>
  stack.emulator.seedCall(stack.projectId, {
    status,
    ageSeconds,
    ...(to ? { to } : {}),
    ...(from ? { from } : {}),
  }).sid;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'call-control-terminal-'));
  [bundle, stack] = await Promise.all([
    buildCli(join(root, 'dist', 'cli-terminal-test')),
    startLocalStack({ stateDir }),
  ]);
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
  rmSync(join(root, 'dist', 'cli-terminal-test'), { recursive: true, force: true });
});

describe('one parse of the command line', () => {
  it('accepts global options before the command: `--local calls list --status in-progress -o json` as `calls list --local …`', async () => {
    const sid = seed('in-progress', 60, '+13105557001');
    const before = await cli('--local', 'calls', 'list', '--status', 'in-progress', '-o', 'json');
    const after = await cli('calls', 'list', '--local', '--status', 'in-progress', '-o', 'json');
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toEqual(JSON.parse(after.stdout));
    expect(
      (JSON.parse(before.stdout) as { calls: Array<{ sid: string }> }).calls.map((call) => call.sid),
    ).toContain(sid);
    const mixed = await cli('-o', 'json', '--port', String(stack.api.port), '--local', 'calls', 'get', sid);
    expect(mixed.code).toBe(0);
    expect(JSON.parse(mixed.stdout)).toMatchObject({ sid, status: 'in-progress' });
  });

  it('exits 2 on `cals list`, naming it and suggesting `calls`; likewise a misspelt subcommand or option', async () => {
    const command = await cli('cals', 'list');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "cals" (did you mean `calls`?)');
    const subcommand = await cli('calls', 'lsit', '--local');
    expect(subcommand.code).toBe(2);
    expect(subcommand.stderr).toContain('(did you mean `calls list`?)');
    const option = await cli('--local', 'end-all', '--dry-runn');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain(
      "unknown option '--dry-runn' for `call-control end-all` (did you mean `--dry-run`?)",
    );
    const missing = await cli('calls', 'list', '--local', '--status');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("option '--status' needs a value");
  });
});

describe('terminal findings (issue 18, item 8)', () => {
  it('-o json prints the error object on stdout when a command fails (every output mode carries the error)', async () => {
    const unknown = '00000000-0000-4000-8000-00000000beef';
    const json = await cli('calls', 'get', unknown, '--local', '-o', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        code: 'CALL_NOT_FOUND',
        message: expect.any(String),
        hint: 'Check the SID: `call-control calls list --status in-progress --local` shows the live calls.',
      },
    });
    const usage = await cli('cals', 'list', '-o', 'json');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout).error.code).toBe('USAGE');
    const ndjson = await cli('calls', 'get', unknown, '--local', '-o', 'ndjson');
    expect(ndjson.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(ndjson.stdout).error.code).toBe('CALL_NOT_FOUND');
  });

  it('Ctrl-C at a confirmation prompt is a cancellation, said as one, exit 130, nothing changed', async () => {
    const sid = seed('in-progress', 60);
    let pressed = false;
    const run = await onTerminal(['calls', 'end', sid, '--local'], (shown, type) => {
      if (shown.includes('to go ahead') && !pressed) {
        pressed = true;
        type('\u0003');
      }
    });
    expect(run.code).toBe(130);
    expect(run.stdout).toContain('cancelled at the prompt; nothing was changed');
    expect(run.stdout).not.toContain('unexpected failure');
    expect(run.stdout).not.toContain('AbortError');
    expect(statusOf(sid)).toBe('in-progress');

    const to = '+13105557002';
    const calls = [seed('in-progress', 60, to), seed('ringing', 10, to)];
    let interrupted = false;
    const endAll = await onTerminal(['end-all', '--local', '--to', to], (shown, type) => {
      if (shown.includes('to go ahead') && !interrupted) {
        interrupted = true;
        type('\u0003');
      }
    });
    expect(endAll.code).toBe(130);
    expect(calls.map(statusOf)).toEqual(['in-progress', 'ringing']);
  });

  it('every confirmation shows what it will act on: `end-all -o json` on a terminal lists the calls before asking', async () => {
    const to = '+13105557003';
    const calls = [seed('in-progress', 60, to), seed('queued', 10, to)];
    let screen = '';
    const run = await onTerminal(['end-all', '--local', '--to', to, '-o', 'json'], (shown, type) => {
      if (shown.includes('to go ahead') && screen === '') {
        screen = shown;
        type('no\r');
      }
    });
    expect(run.code).toBe(1);
    const prompt = screen.indexOf('Type 2 to go ahead');
    expect(prompt).toBeGreaterThan(0);
    for (const sid of calls) expect(screen.indexOf(sid)).toBeGreaterThanOrEqual(0);
    for (const sid of calls) expect(screen.indexOf(sid)).toBeLessThan(prompt);

    const sid = seed('in-progress', 60);
    let asked = '';
    await onTerminal(
      ['calls', 'redirect', sid, '--url', 'https://example.com/hold.xml', '--local'],
      (shown, type) => {
        if (shown.includes('to go ahead') && asked === '') {
          asked = shown;
          type('no\r');
        }
      },
    );
    expect(asked).toContain(sid);
    expect(asked).toContain('Url=https://example.com/hold.xml');
  });

  it('cleanup --apply asks with the count of stale calls it found, and its bar counts them, not the cap', async () => {
    const stale = [seed('ringing', 3_000, '+13105557041'), seed('ringing', 3_100, '+13105557042')];
    const fresh = seed('ringing', 10, '+13105557043');
    let asked = '';
    const run = await onTerminal(
      ['cleanup', '--local', '--apply', '--max-age-ringing', '40m', '--to-prefix', '+131055570'],
      (shown, type) => {
        if (shown.includes('to go ahead') && asked === '') {
          asked = shown;
          type('2\r');
        }
      },
    );
    expect(run.code).toBe(0);
    expect(asked).toContain('2 stale call(s) on the local stack');
    for (const sid of stale) expect(asked).toContain(sid);
    expect(asked).toContain('End 2 stale call(s)? Type 2 to go ahead');
    expect(run.stdout).toMatch(/cleanup \[#+\] 2\/2/);
    expect(run.stdout).not.toContain('/100');
    expect([...stale.map(statusOf), statusOf(fresh)]).toEqual(['canceled', 'canceled', 'ringing']);
  });

  it('a SID pasted with a trailing newline, CR or spaces is trimmed; anything else is refused saying what is wrong', async () => {
    const sid = seed('ringing', 10);
    for (const pasted of [`${sid}\n`, `${sid}\r\n`, `  ${sid}\t`, `${sid}\r`]) {
      const run = await cli('calls', 'get', pasted, '--local', '-o', 'json');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).sid).toBe(sid);
    }
    const wrong = await cli('calls', 'get', `${sid}x`, '--local');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`"${sid}x" is not a call SID (a call SID is a UUID: 36 characters`);
    expect(wrong.stderr).toContain('this is 37');
    expect(wrong.stderr).not.toContain('URL');
  });

  it('a SID split by a space when pasted (`calls end 3f2a…-c456 e782…`) is named as one SID split, with the line to type; nothing is sent', async () => {
    const sid = seed('ringing', 10);
    const [head, tail] = [sid.slice(0, 28), sid.slice(28)];
    const split = await cli('calls', 'end', head, tail, '--local', '--yes', '-o', 'json');
    expect(split.code).toBe(2);
    const { error } = JSON.parse(split.stdout) as { error: { code: string; message: string; hint: string } };
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe(
      `"${head}" and "${tail}" are one call SID split by a space: ${sid}; nothing was sent`,
    );
    expect(error.hint).toBe(
      `Type the SID as one word: \`call-control calls end ${sid} --local --yes -o json\`.`,
    );

    // Split before a hyphen: the second piece is not read as an unknown option (`-9bf0…`).
    const atHyphen = await cli('calls', 'end', sid.slice(0, 18), sid.slice(18), '--local', '--yes');
    expect(atHyphen.code).toBe(2);
    expect(atHyphen.stderr).toContain(`are one call SID split by a space: ${sid}`);
    expect(atHyphen.stderr).not.toContain('unknown option');

    // `calls get` takes one SID: not "unexpected argument", and the target stays in the line to type.
    const get = await cli('calls', 'get', head, tail, '--local', '--port', String(stack.api.port));
    expect(get.code).toBe(2);
    expect(get.stderr).toContain(
      `next:  Type the SID as one word: \`call-control calls get ${sid} --local --port`,
    );
    expect(get.stderr).not.toContain('unexpected argument');

    // Pasted inside quotes, the line break stays in the one word.
    const quoted = await cli('calls', 'end', `${head}\n${tail}`, '--local', '--yes');
    expect(quoted.code).toBe(2);
    expect(quoted.stderr).toContain(
      `"${head}\\x0a${tail}" is one call SID with a line break or space inside: ${sid}`,
    );

    // From stdin, the list is what to fix.
    const listed = await collect(
      spawn(process.execPath, [bundle, 'calls', 'end', '-', '--yes', '--local'], {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
      `${head}\n${tail}\n`,
    );
    expect(listed.code).toBe(2);
    expect(listed.stderr).toContain(`are one call SID split by a space: ${sid}`);
    expect(listed.stderr).toContain(`next:  Join the pieces in the list on stdin: ${sid} on one line`);
    expect(statusOf(sid)).toBe('ringing');
  });

  it('an empty `--to=` or `--from=` (a shell variable unset) is refused by the flag, before anything is listed', async () => {
    for (const args of [
      ['end-all', '--local', '--to=', '--dry-run'],
      ['end-all', '--local', '--from', ' ', '--yes'],
      ['calls', 'list', '--local', '--to='],
    ]) {
      const run = await cli(...args, '-o', 'json');
      expect(run.code, args.join(' ')).toBe(2);
      const { error } = JSON.parse(run.stdout) as { error: { message: string; hint: string } };
      expect(error.message).toMatch(/^--(to|from) must not be empty, got "\s*"$/);
      expect(error.hint).toContain('a shell variable that is empty or unset');
      expect(run.stderr).not.toContain('live call(s) match');
    }
  });

  it('hints keep the target: `calls end` suggests `calls list … --local --port N`, and help hints never get a target', async () => {
    const unknown = '00000000-0000-4000-8000-00000000f00d';
    const run = await cli('--port', String(stack.api.port), 'calls', 'end', unknown, '--local', '--yes');
    expect(run.stderr).toContain(
      `\`call-control calls list --status in-progress --local --port ${stack.api.port}\``,
    );
    const usage = await cli('calls', 'list', '--local', '--bogus');
    expect(usage.stderr).toContain('Run `call-control calls list --help` for its options');
    expect(usage.stderr).not.toContain('--help --local');
  });

  it('`calls update --status completed --url …` gets a hint about ending or redirecting, not about SIDs and URLs', async () => {
    const sid = seed('in-progress', 60);
    const run = await cli(
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
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--status and --url cannot be sent together');
    expect(run.stderr).toContain(`\`call-control calls end ${sid} --local\``);
    expect(run.stderr).toContain(`\`call-control calls redirect ${sid} --local --url\` and the URL`);
    expect(run.stderr).not.toContain('UUIDs');
    expect(statusOf(sid)).toBe('in-progress');
  });

  it('`--older-than 15` without a unit is refused (and so is every duration without one)', async () => {
    const endAll = await cli('end-all', '--local', '--older-than', '15', '--dry-run');
    expect(endAll.code).toBe(2);
    expect(endAll.stderr).toContain('--older-than needs a unit: 15s, 15m, 15h or 15d (got "15")');
    const cleanup = await cli('cleanup', '--local', '--dry-run', '--max-age-ringing', '120');
    expect(cleanup.code).toBe(2);
    expect(cleanup.stderr).toContain('--max-age-ringing needs a unit');
    const audit = await cli('audit', '--local', '--since', '24');
    expect(audit.code).toBe(2);
    expect(audit.stderr).toContain('--since needs a unit');
  });

  it('a caller number in CJK or emoji keeps a table within the terminal, its columns aligned', async () => {
    const to = '+13105557006';
    seed('in-progress', 90, to, '北京市朝阳区的呼叫者名字非常长');
    seed('in-progress', 90, to, '👨‍👩‍👧‍👦🔥📞😀');
    seed('in-progress', 90, to);
    const run = await onTerminal(['calls', 'list', '--local', '--to', to], undefined, 100);
    expect(run.code).toBe(0);
    const lines = run.stdout.split(/\r?\n/).filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(100);
    const statusAt = lines.map((line) => stringWidth(line.slice(0, line.search(/STATUS|in-progress/))));
    expect(new Set(statusAt).size, lines.join('\n')).toBe(1);
  });

  it('invisible characters in a caller number (zero-width space, line separator, soft hyphen, tag) are shown as escapes, and the table stays aligned', async () => {
    const tag = `+1213${Date.now() % 100_000}`;
    const invisible = ['\u200b', '\u2028', '\u00ad', '\u{e0041}', '\u200d'];
    const sids = invisible.map((char) => seed('queued', 5, tag, `+1415${char}5550100`));
    const plain = seed('queued', 5, tag, '+14155550100');
    const run = await cli('calls', 'list', '--local', '--to', tag);
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\n').filter((line) => line.includes(tag));
    expect(rows).toHaveLength(sids.length + 1);
    for (const [at, sid] of sids.entries()) {
      const row = rows.find((line) => line.startsWith(sid)) ?? '';
      const escaped = invisible[at]!.codePointAt(0)! <= 0xff ? '\\xad' : '\\u';
      expect(row, sid).toContain(`+1415${escaped}`);
    }
    expect(rows.find((line) => line.startsWith(plain))).toContain('+14155550100');
    // Every row's TO starts at the same terminal column, counted as the table counts.
    const columns = rows.map((line) => stringWidth(line.slice(0, line.indexOf(tag))));
    expect(new Set(columns).size).toBe(1);
    // biome-ignore lint/suspicious/noMisleadingCharacterClass: finding these characters is the point
    expect(run.stdout).not.toMatch(/[\u200b\u200d\u2028\u00ad]|\u{e0041}/u);
    // JSON keeps the number as SignalWire gave it.
    const json = await cli('calls', 'list', '--local', '--to', tag, '-o', 'json');
    const froms = (JSON.parse(json.stdout) as { calls: { from: string }[] }).calls.map((call) => call.from);
    expect(froms).toContain('+1415\u200b5550100');
    expect(froms).toContain('+1415\u{e0041}5550100');
  });

  it('`calls list --all -o ndjson` writes JSON that reads back the raw value, whatever characters it carries', async () => {
    const tag = `+1214${Date.now() % 100_000}`;
    // A tag character, a C1 control, DEL, a zero-width space and a bidi override: each escaped as JSON.
    const froms = [
      '+1415\u{e0041}5550100',
      '+1415\u00855550100',
      '+1415\u007f5550100',
      '+1415\u200b\u202e5550100',
    ];
    for (const from of froms) seed('queued', 5, tag, from);
    const run = await cli('calls', 'list', '--local', '--to', tag, '--all', '-o', 'ndjson');
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(froms.length);
    const read = lines.map((line) => (JSON.parse(line) as { from: string }).from);
    expect(read.sort()).toEqual([...froms].sort());
  });

  it('TERM=dumb: the progress bar is written as lines, without the erase-line code a dumb terminal shows as garbage', async () => {
    const to = '+13105557007';
    seed('in-progress', 90, to);
    const run = await collect(
      spawnOnTerminal(
        bundle,
        ['end-all', '--local', '--to', to, '--yes'],
        { ...env, TERM: 'dumb' },
        () => {},
        100,
      ),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ending [########################] 1/1');
    expect(run.stdout).not.toContain('\u001b[2K');
  });

  it('an empty page with a next one says "No calls on this page", not "No calls match"', async () => {
    const server = await startScriptedServer([{ status: 200, body: { calls: [], next_cursor: 'page-2' } }]);
    const folder = mkdtempSync(join(tmpdir(), 'call-control-empty-page-'));
    chmodSync(folder, 0o700);
    const state = JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(folder, 'stack.json'), JSON.stringify({ ...state, apiUrl: server.origin }), {
      mode: 0o600,
    });
    try {
      const run = await cliWith(
        { ...env, CALL_CONTROL_LOCAL_STATE_DIR: folder },
        'calls',
        'list',
        '--local',
        '--status',
        'ringing',
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe('No calls on this page.\n');
      expect(run.stderr).toContain('Later pages may match: add --all, or --cursor page-2');
    } finally {
      await server.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('tables at 40 columns drop columns in the documented order and never wrap mid-word', async () => {
    const to = '+13105557005';
    const sid = seed('in-progress', 90, to);
    const run = await onTerminal(['calls', 'list', '--local', '--to', to], undefined, 40);
    expect(run.code).toBe(0);
    const lines = run.stdout.split(/\r?\n/).filter((line) => line.trim() !== '');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    // Too narrow for SID and STATUS side by side: the call is stacked, its SID and its status both whole.
    expect(lines).toContain(sid);
    expect(lines[lines.indexOf(sid) + 1]).toBe('  STATUS  in-progress');
    expect(run.stdout).not.toContain('…');

    const wide = await onTerminal(['calls', 'list', '--local', '--to', to], undefined, 110);
    expect(wide.stdout).toMatch(/^SID\s+FROM\s+TO\s+STATUS\s+STARTED\s+KIND\r?$/m);
    const piped = await cli('calls', 'list', '--local', '--to', to);
    expect(piped.stdout).toMatch(/^SID\s+FROM\s+TO\s+STATUS\s+DIRECTION\s+STARTED\s+DURATION\s+KIND$/m);
    const columns = await cliWith({ ...env, COLUMNS: '60' }, 'calls', 'list', '--local', '--to', to);
    for (const line of columns.stdout.trim().split('\n')) expect(line.length).toBeLessThanOrEqual(60);
  });
});

describe('deployed mode messages', () => {
  const deployedEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...env,
    AWS_ENDPOINT_URL_CLOUDFORMATION: stack.aws.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_MAX_ATTEMPTS: '1',
    ...extra,
  });

  it('names a profile that does not exist, and the ones that do', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'call-control-aws-'));
    writeFileSync(
      join(folder, 'config'),
      '[default]\nregion = us-east-1\n\n[profile ops]\nregion = eu-west-1\n',
    );
    const run = await cliWith(
      deployedEnv({
        AWS_CONFIG_FILE: join(folder, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(folder, 'none'),
      }),
      'calls',
      'list',
      '--profile',
      'opz',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('AWS profile "opz" does not exist');
    expect(run.stderr).toContain('Known profiles: default, ops');
  });

  it('a network error gets a region/profile hint', async () => {
    const run = await cliWith(
      deployedEnv({ AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:9', AWS_PROFILE: '' }),
      'calls',
      'list',
      '--region',
      'us-east-1',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('AWS could not be reached');
    expect(run.stderr).toContain('--region / --profile (region us-east-1, profile default)');
  });
});

/** Terminal control an attacker might smuggle into a caller name, a URL, an audit record. */
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\u202e\u009b31m';
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0007\u001b\u009b\u202e]/;

describe('text from outside is data, never terminal control (issue 17, item 4)', () => {
  it('prints hostile SIDs, URLs, numbers and caller names through every command with every control character escaped', async () => {
    const hostileTo = `+1310555${HOSTILE}`;
    const sid = seed('ringing', 3_000, hostileTo, `+1415${HOSTILE}`);
    appendFileSync(
      join(stateDir, 'audit.ndjson'),
      `${JSON.stringify({
        level: 'INFO',
        message: 'call-control audit',
        timestamp: new Date().toISOString(),
        audit: {
          trigger: 'http',
          actor: { name: `arn:aws:iam::123456789012:user/${HOSTILE}`, attested: {}, claimed: {} },
          callSid: sid,
          change: { Url: `https://example.com/${HOSTILE}` },
          outcome: 'refused',
          reason: `bad Url ${HOSTILE}`,
        },
      })}\n`,
    );
    const runs: Array<[string, Run]> = [];
    const run = async (...args: string[]) => {
      runs.push([args.join(' '), await cli(...args)]);
      return runs.at(-1)![1];
    };
    const list = await run('calls', 'list', '--local');
    expect(list.stdout).toContain(sid);
    expect(list.stdout).toContain('\\x1b]0;pwned\\x07\\x1b[2J\\u202e\\x9b31m');
    const get = await run('calls', 'get', sid, '--local');
    expect(get.stdout).toContain('\\x1b]0;pwned');
    await run('calls', 'get', HOSTILE, '--local');
    await run('calls', 'end', `${sid}${HOSTILE}`, '--local', '--yes');
    await run('calls', 'redirect', sid, '--url', `https://example.com/${HOSTILE}`, '--local', '--yes');
    await run(
      'calls',
      'update',
      sid,
      '--status-callback',
      `https://example.com/${HOSTILE}`,
      '--local',
      '--yes',
    );
    await run('calls', 'list', '--local', '--to', hostileTo);
    const preview = await run('end-all', '--local', '--status', 'ringing', '--dry-run');
    expect(preview.stderr).toContain('\\x1b]0;pwned');
    await run('end-all', '--local', '--to', hostileTo, '--dry-run');
    await run('cleanup', '--local', '--dry-run', '--max-age-ringing', '40m');
    const audit = await run('audit', '--local', '--call', sid);
    expect(audit.stdout).toContain('Url=https://example.com/\\x1b]0;pwned');
    await run('doctor', '--direct', '--secret-id', HOSTILE);
    await run(HOSTILE, 'list');
    await run('calls', 'list', '--local', `--${HOSTILE}`);
    for (const [args, { stdout, stderr }] of runs) {
      expect({ args, stdout }).not.toEqual({ args, stdout: expect.stringMatching(CONTROL) });
      expect({ args, stderr }).not.toEqual({ args, stderr: expect.stringMatching(CONTROL) });
    }

    // JSON keeps the raw value (JSON-escaped, so the bytes never reach a terminal raw).
    const asJson = await cli('audit', '--local', '--call', sid, '-o', 'json');
    expect(asJson.stdout).not.toMatch(CONTROL);
    const { records } = JSON.parse(asJson.stdout) as {
      records: Array<{ audit: { outcome: string; reason: string } }>;
    };
    expect(records.find((record) => record.audit.outcome === 'refused')?.audit.reason).toBe(
      `bad Url ${HOSTILE}`,
    );
  });
});

describe('private state (issue 17, item 5)', () => {
  const copyState = (folder: string) =>
    copyFileSync(join(stateDir, 'stack.json'), join(folder, 'stack.json'));

  it('a stack.json cut short or edited by hand is named, with what to do, not an unexpected failure', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'call-control-broken-'));
    chmodSync(folder, 0o700);
    const good = JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as Record<string, unknown>;
    const cases: Array<[string, string]> = [
      ['', 'Unexpected end of JSON input'],
      [JSON.stringify(good).slice(0, 40), 'JSON'],
      ['[]', 'not a JSON object'],
      [JSON.stringify({ ...good, apiUrl: 5 }), 'apiUrl missing or not a string'],
      [JSON.stringify({ ...good, apiUrl: 'localhost 3000' }), 'apiUrl is not a URL'],
    ];
    try {
      for (const [text, why] of cases) {
        writeFileSync(join(folder, 'stack.json'), text, { mode: 0o600 });
        const run = await cliWith(
          { ...env, CALL_CONTROL_LOCAL_STATE_DIR: folder },
          'calls',
          'list',
          '--local',
          '-o',
          'json',
        );
        expect(run.code, text).toBe(1);
        expect(JSON.parse(run.stdout).error.code).toBe('LOCAL_STATE_UNREADABLE');
        expect(run.stderr).toContain(
          `the local stack's state file ${join(folder, 'stack.json')} is not one \`npm start\` writes`,
        );
        expect(run.stderr).toContain(why);
        expect(run.stderr).toContain('Restart `npm start`');
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('--local reads its state only from a folder of the user’s with mode 0700 (or inside the checkout)', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'call-control-shared-'));
    copyState(shared);
    chmodSync(shared, 0o755);
    const refused = await cliWith(
      { ...env, CALL_CONTROL_LOCAL_STATE_DIR: shared },
      'calls',
      'list',
      '--local',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `refusing to read the local stack's state from ${shared}: its mode is 0755`,
    );
    chmodSync(shared, 0o700);
    expect(
      (await cliWith({ ...env, CALL_CONTROL_LOCAL_STATE_DIR: shared }, 'calls', 'list', '--local')).code,
    ).toBe(0);

    const checkout = mkdtempSync(join(root, 'dist', 'local-state-'));
    copyState(checkout);
    chmodSync(checkout, 0o755);
    try {
      expect(
        (await cliWith({ ...env, CALL_CONTROL_LOCAL_STATE_DIR: checkout }, 'calls', 'list', '--local')).code,
      ).toBe(0);
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }

    if (process.getuid?.() === 0) {
      // Only root can give a folder away: then another user's 0700 folder is refused too.
      chownSync(shared, 65_534, 65_534);
      const foreign = await cliWith(
        { ...env, CALL_CONTROL_LOCAL_STATE_DIR: shared },
        'calls',
        'list',
        '--local',
      );
      expect(foreign.code).toBe(1);
      expect(foreign.stderr).toContain('it belongs to user id 65534');
    }
  });

  it('tightens a pre-existing 0644 audit file to 0600 and the CLI’s own 0755 folder to 0700, saying so, never a folder the user named; refuses another user’s', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'call-control-audit-')), 'logs');
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    const file = join(folder, 'audit.ndjson');
    writeFileSync(file, '', { mode: 0o644 });
    chmodSync(file, 0o644);
    const sid = seed('in-progress', 60);
    const auditEnv = { ...env, CALL_CONTROL_AUDIT_LOG: file };
    const run = await cliWith(
      auditEnv,
      'calls',
      'end',
      sid,
      '--direct',
      '--secret-id',
      LOCAL_SECRET_NAME,
      '--yes',
    );
    expect(run.code).toBe(0);
    // A folder named through CALL_CONTROL_AUDIT_LOG is the user's (a home, a project, /tmp): left as it is.
    expect(run.stderr).not.toContain(`tightened ${folder} from`);
    expect(run.stderr).toContain(`tightened ${file} from 0644 to 0600`);
    expect(statSync(folder).mode & 0o777).toBe(0o755);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(sid);

    // The CLI's own folder (XDG_STATE_HOME/call-control) is tightened.
    const state = mkdtempSync(join(tmpdir(), 'call-control-state-'));
    const own = join(state, 'call-control');
    mkdirSync(own, { mode: 0o755 });
    chmodSync(own, 0o755);
    const inOwn = await cliWith(
      { ...env, CALL_CONTROL_AUDIT_LOG: '', XDG_STATE_HOME: state },
      'calls',
      'end',
      seed('in-progress', 60),
      '--direct',
      '--secret-id',
      LOCAL_SECRET_NAME,
      '--yes',
    );
    expect(inOwn.code).toBe(0);
    expect(inOwn.stderr).toContain(`tightened ${own} from 0755 to 0700`);
    expect(statSync(own).mode & 0o777).toBe(0o700);

    const fresh = join(mkdtempSync(join(tmpdir(), 'call-control-audit-')), 'new', 'audit.ndjson');
    const another = seed('in-progress', 60);
    await cliWith(
      { ...env, CALL_CONTROL_AUDIT_LOG: fresh },
      'calls',
      'end',
      another,
      '--direct',
      '--secret-id',
      LOCAL_SECRET_NAME,
      '--yes',
    );
    expect(statSync(join(fresh, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);

    if (process.getuid?.() === 0) {
      chownSync(folder, 65_534, 65_534);
      const third = seed('in-progress', 60);
      const refused = await cliWith(
        auditEnv,
        'calls',
        'end',
        third,
        '--direct',
        '--secret-id',
        LOCAL_SECRET_NAME,
        '--yes',
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('refusing to write audit records');
      expect(statusOf(third)).toBe('in-progress');
    }
  });
});
