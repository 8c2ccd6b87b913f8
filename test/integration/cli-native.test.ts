import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SECRET_NAME, type LocalStack, startLocalStack } from '#local/local-stack';
import { buildCli } from '../../scripts/build-cli.ts';
import { type CliRun, collectRun, deployedEnv } from '../support/cli-process.ts';
import { captureOutput } from '../support/output-capture.ts';

/**
 * The `call-control` CLI as a process on calls of both kinds: Compatibility calls and native ones (the
 * Calling API's: SWML, AI agents, a queued campaign), against one local stack (the real handlers behind the
 * local API Gateway, the SignalWire emulator speaking both APIs) and `--direct` (the native-aware call
 * service in the CLI itself). Each test asserts what was printed, the exit code, and what became of the
 * calls in the emulator.
 */

// The functions' own log lines (audits) in this process: kept, checked for secrets, out of the report.
const output = captureOutput();
let stack: LocalStack;
let bundle: string;
let env: NodeJS.ProcessEnv;
let directAuditLog: string;
const printed: string[] = [];

const runCli = async (runEnv: NodeJS.ProcessEnv, args: string[]): Promise<CliRun> => {
  const child = spawn(process.execPath, [bundle, ...args], { env: runEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  const run = await collectRun(child, 20_000, '');
  printed.push(run.stdout, run.stderr);
  return run;
};
const cli = (...args: string[]): Promise<CliRun> => runCli(env, args);
/** The CLI aimed at the deployed target: the local stack's CloudFormation outputs and its signed API. */
const deployed = (...args: string[]): Promise<CliRun> => runCli(deployedEnv(env, stack.aws.url), args);
const json = <T>(run: CliRun): T => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
};
const DIRECT = ['--direct', '--secret-id', LOCAL_SECRET_NAME] as const;

const compat = (status: 'in-progress' | 'ringing' | 'queued', to: string) =>
  stack.emulator.seedCall(stack.projectId, { status, ageSeconds: 120, to }).sid;
const native = (
  status: 'answered' | 'ringing' | 'queued',
  extra: { to?: string; from?: string; url?: string } = {},
) =>
  stack.emulator.native.seed(stack.projectId, {
    status,
    ageSeconds: status === 'answered' ? 300 : 10,
    url: 'https://example.com/agent.swml',
    ...extra,
  }).id;
const nativeStatus = (id: string) => stack.emulator.native.get(stack.projectId, id)?.status;
const compatStatus = (sid: string) => stack.emulator.getCall(stack.projectId, sid)?.status;
const nativeWrites = () =>
  stack.emulator.requests.filter(
    (request) => request.method === 'POST' && request.path === '/api/calling/calls',
  );

beforeAll(async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'call-control-cli-native-'));
  directAuditLog = join(stateDir, 'direct', 'audit.ndjson');
  // A bundle of its own: test files run side by side, and another's build would remove the shared one.
  const outDir = join(import.meta.dirname, '..', '..', 'dist', 'cli-native-test');
  [bundle, stack] = await Promise.all([buildCli(outDir), startLocalStack({ stateDir })]);
  env = {
    ...process.env,
    CALL_CONTROL_LOCAL_STATE_DIR: stateDir,
    CALL_CONTROL_AUDIT_LOG: directAuditLog,
    PORT: String(stack.api.port),
  };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  output.restore();
  const all = [...printed, ...output.lines].join('\n');
  expect(all).not.toContain(stack.apiToken);
  expect(all).not.toContain(stack.signingKey);
});

describe('calls get/end/redirect on native calls', () => {
  it('gets a native call from its voice log, with its kind in the table and api in JSON', async () => {
    const id = native('answered');
    const table = await cli('calls', 'get', id, '--local');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^kind\s+native \(--api calling\)$/m);
    expect(table.stdout).toMatch(/status\s+in-progress/);
    const asJson = json<{ sid: string; api: string }>(await cli('calls', 'get', id, '--local', '-o', 'json'));
    expect(asJson).toMatchObject({ sid: id, api: 'calling' });
    const direct = json<{ sid: string; api: string }>(await cli('calls', 'get', id, ...DIRECT, '-o', 'json'));
    expect(direct).toMatchObject({ sid: id, api: 'calling' });
  });

  it('ends the AI agent call (api calling in the results), and again: already ended', async () => {
    const id = native('answered');
    const first = await cli('calls', 'end', id, '--local', '--yes');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`${id}  ended (completed)`);
    expect(nativeStatus(id)).toBe('ended');
    const again = json<{ results: unknown[] }>(
      await cli('calls', 'end', id, '--local', '--yes', '-o', 'json'),
    );
    expect(again.results).toEqual([
      { sid: id, outcome: 'already-ended', status: 'completed', api: 'calling' },
    ]);
  });

  it('cancels a queued native call, and ends one through --direct with --api calling (no lookup)', async () => {
    const queued = native('queued');
    const canceled = json<{ results: unknown[] }>(
      await cli('calls', 'end', queued, '--local', '--yes', '-o', 'json'),
    );
    expect(canceled.results).toEqual([
      { sid: queued, outcome: 'updated', status: 'canceled', api: 'calling' },
    ]);
    expect(nativeStatus(queued)).toBe('canceled');

    const live = native('answered');
    stack.emulator.clearRequests();
    const direct = await cli('calls', 'end', live, ...DIRECT, '--api', 'calling', '--yes');
    expect(direct.code, direct.stderr).toBe(0);
    expect(nativeStatus(live)).toBe('ended');
    // Named, so not looked up: no Compatibility read, no voice log, one calling.end.
    expect(stack.emulator.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /api/calling/calls',
    ]);
    const line = readFileSync(directAuditLog, 'utf8').trim().split('\n').at(-1) ?? '{}';
    expect(JSON.parse(line).audit).toMatchObject({ trigger: 'cli', callSid: live, outcome: 'updated' });
  });

  it('redirects a native call to new SWML, and refuses --method by name with nothing sent', async () => {
    const id = native('answered');
    const refused = await cli(
      'calls',
      'redirect',
      id,
      '--url',
      'https://example.com/hold.swml',
      '--method',
      'GET',
      '--local',
      '--yes',
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      '--method is for Compatibility (cXML) calls only, and this call is native',
    );
    expect(stack.emulator.native.redirectsOf(stack.projectId, id)).toEqual([]);

    const run = await cli(
      'calls',
      'redirect',
      id,
      '--url',
      'https://example.com/hold.swml',
      '--local',
      '--yes',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${id}  redirected (in-progress)`);
    expect(stack.emulator.native.redirectsOf(stack.projectId, id)).toMatchObject([
      { url: 'https://example.com/hold.swml' },
    ]);
  });

  it('--api naming the other API finds no call there, and never reaches the API that owns it', async () => {
    const id = native('answered');
    const sid = compat('in-progress', '+13105558401');
    stack.emulator.clearRequests();
    const nativeAsCompat = await cli('calls', 'end', id, '--api', 'compatibility', '--local', '--yes');
    expect(nativeAsCompat.code).toBe(1);
    expect(nativeAsCompat.stdout).toContain(`${id}  failed: SignalWire has no such call`);
    const compatAsNative = await cli('calls', 'get', sid, '--api', 'calling', '--local');
    expect(compatAsNative.code).toBe(1);
    // The change went to the named API only (which does not know the call), never to the one owning it.
    expect(nativeWrites()).toEqual([]);
    expect(nativeStatus(id)).toBe('answered');
    expect(compatStatus(sid)).toBe('in-progress');
  });

  it('refuses a bad --api with exit 2, naming it, before anything is sent', async () => {
    const id = native('answered');
    stack.emulator.clearRequests();
    for (const command of [
      ['calls', 'get', id],
      ['calls', 'end', id, '--yes'],
      ['calls', 'list'],
      ['end-all', '--dry-run'],
      ['calls', 'transfer', id, '--to', 'sip:a@example.com', '--yes'],
    ]) {
      const run = await cli(...command, '--local', '--api', 'relay');
      expect(run.code, command.join(' ')).toBe(2);
      expect(run.stderr).toContain('--api must be compatibility or calling, got "relay"');
    }
    expect(stack.emulator.requests).toEqual([]);
    expect(nativeStatus(id)).toBe('answered');
  });
});

describe('a native call whose status SignalWire did not give, through the local API', () => {
  /** What the emulator answers a native GET (a voice log, a page of them), as it would answer it. */
  const nativeGet = (path: string, query = new URLSearchParams()) =>
    stack.emulator.native.respond({
      method: 'GET',
      path,
      query,
      body: null,
      contentType: undefined,
      projectId: stack.projectId,
      overRateLimit: false,
    }).body as Record<string, unknown>;

  it('calls end, calls get and calls list print it as unknown (null in JSON), not as an unreadable answer', async () => {
    const to = '+13105558907';
    const id = native('answered', { to });
    const body = JSON.stringify({ ...stack.emulator.native.get(stack.projectId, id), status: null });
    stack.emulator.injectFault({ kind: 'garble', body, method: 'POST', pathPrefix: '/api/calling/' });

    const ended = await cli('calls', 'end', id, '--local', '--api', 'calling', '--yes', '-o', 'json');
    expect(ended.code, ended.stderr).toBe(0);
    expect(JSON.parse(ended.stdout).results).toEqual([
      { sid: id, outcome: 'updated', status: null, api: 'calling' },
    ]);

    const live = native('answered', { to });
    const log = { ...nativeGet(`/api/voice/logs/${live}`), status: 'parked' };
    stack.emulator.injectFault({
      kind: 'garble',
      body: JSON.stringify(log),
      pathPrefix: `/api/voice/logs/${live}`,
    });
    const table = await cli('calls', 'get', live, '--local', '--api', 'calling');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^status\s+unknown$/m);

    const page = nativeGet('/api/voice/logs', new URLSearchParams({ page_size: '1000' }));
    const data = (page.data as Array<Record<string, unknown>>).map((entry) =>
      entry.id === live ? { ...entry, status: 'parked' } : entry,
    );
    stack.emulator.injectFault({
      kind: 'garble',
      body: JSON.stringify({
        ...page,
        data,
        links: { self: page.links && (page.links as { self: string }).self },
      }),
      method: 'GET',
      pathPrefix: '/api/voice/logs',
    });
    const listed = await cli('calls', 'list', '--local', '--api', 'calling', '--to', to);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${live}\\s.*\\sunknown\\s`, 'm'));
  });
});

describe('a voice-log listing whose links lead round in a circle', () => {
  it('calls list --all stops at the first page it would read again, saying so, instead of reading for ever', async () => {
    const id = native('queued', { to: '+13105558908' });
    const logs = `${stack.emulator.url}/api/voice/logs`;
    const [x, y] = ['PAeA', 'PAeQ'].map((token) => `${logs}?page_size=50&page_number=1&page_token=${token}`);
    const log = stack.emulator.native.get(stack.projectId, id);
    // The first page links to x, x to y, y back to x, and so on (twelve answers: more than a fixed CLI reads).
    for (let n = 0; n < 12; n++) {
      const body = JSON.stringify({
        links: { self: logs, first: logs, next: n % 2 === 0 ? x : y },
        data: [log],
      });
      stack.emulator.injectFault({ kind: 'garble', body, method: 'GET', pathPrefix: '/api/voice/logs' });
    }
    stack.emulator.clearRequests();
    try {
      const run = await cli('calls', 'list', '--local', '--api', 'calling', '--all', '-o', 'json');

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('leads back to a page already read');
      expect(stack.emulator.requests.filter((request) => request.path === '/api/voice/logs')).toHaveLength(3);
    } finally {
      stack.emulator.clearFaults();
    }
  });
});

describe('calls transfer', () => {
  it('transfers a native call through --direct, and refuses a Compatibility call by name', async () => {
    const id = native('answered');
    const run = await cli('calls', 'transfer', id, '--to', 'sip:supervisor@example.com', ...DIRECT, '--yes');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${id}  transferred`);
    expect(stack.emulator.native.transfersOf(stack.projectId, id)).toEqual(['sip:supervisor@example.com']);

    const sid = compat('in-progress', '+13105558001');
    stack.emulator.clearRequests();
    const refused = await cli('calls', 'transfer', sid, '--to', '+13105550100', ...DIRECT, '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      '`calls transfer` is for native calls (SWML, RELAY, AI agents), and this one is a Compatibility call',
    );
    // The way out, as for --api compatibility: not "fix the value named above" (the SID is right).
    expect(refused.stderr).toContain(
      `next: Redirect it to cXML that dials the destination instead: \`call-control calls redirect ${sid} ${DIRECT.join(' ')} --url\` and that cXML's URL.`,
    );
    expect(nativeWrites()).toEqual([]);
    expect(compatStatus(sid)).toBe('in-progress');
  });

  it('refuses --api compatibility, a missing or malformed --to, and asks for confirmation, with nothing sent', async () => {
    const id = native('answered');
    stack.emulator.clearRequests();
    const compatibility = await cli(
      'calls',
      'transfer',
      id,
      '--to',
      '+13105550100',
      '--api',
      'compatibility',
      '--local',
      '--yes',
    );
    expect(compatibility.code).toBe(2);
    expect(compatibility.stderr).toContain(
      '`calls transfer` is for native calls (SWML, RELAY, AI agents); --api compatibility names a Compatibility call',
    );
    expect(compatibility.stderr).toContain(`calls redirect ${id} --local --url\` and that cXML's URL`);
    // A SID as typed goes into the line to type only once it is a SID: `;` there would be shell syntax.
    const notSid = await cli(
      'calls',
      'transfer',
      `${id};id`,
      '--to',
      '+13105550100',
      '--api',
      'compatibility',
      '--local',
    );
    expect(notSid.code).toBe(2);
    expect(notSid.stderr).not.toContain('calls redirect');
    const missing = await cli('calls', 'transfer', id, '--local', '--yes');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--to is required');
    const malformed = await cli('calls', 'transfer', id, '--to', 'ftp://x\u001b[2J', '--local', '--yes');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--to must be a SIP URI');
    expect(malformed.stderr).toContain('ftp://x\\x1b[2J');
    expect(malformed.stderr).not.toContain('\u001b');
    // The API's own rule for dest: no user:password in a SWML URL (checked before --direct sends anything too).
    for (const mode of [['--local'], DIRECT]) {
      const withPassword = await cli(
        'calls',
        'transfer',
        id,
        '--to',
        'https://u:p@example.com/x.swml',
        ...mode,
        '--yes',
      );
      expect(withPassword.code, mode[0]).toBe(2);
      expect(withPassword.stderr).toContain('--to must be a SIP URI');
      expect(withPassword.stderr).toContain(': it carries user:password@ (or user@)');
    }
    // And its every other rule of a callback URL, saying which.
    const unencoded = await cli(
      'calls',
      'transfer',
      id,
      '--to',
      'https://example.com/a<b>.swml',
      '--local',
      '--yes',
    );
    expect(unencoded.code).toBe(2);
    expect(unencoded.stderr).toContain(': it holds a character to percent-encode');
    const unconfirmed = await cli('calls', 'transfer', id, '--to', 'sip:a@example.com', '--local');
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('refusing to change calls without confirmation');
    expect(stack.emulator.requests).toEqual([]);
    expect(stack.emulator.native.transfersOf(stack.projectId, id)).toEqual([]);
  });

  it('shows a native call’s fields from outside as data in the table', async () => {
    const id = native('answered', { from: 'sip:\u001b]0;owned\u0007bob@example.com' });
    const run = await cli('calls', 'get', id, '--local');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('sip:\\x1b]0;owned\\x07bob@example.com');
    expect(run.stdout).not.toContain('\u001b');
  });
});

describe('--help', () => {
  it('documents the kind, --api and transfer', async () => {
    const main = await cli('--help');
    expect(main.stdout).toContain('calls transfer');
    expect(main.stdout).toContain('--api compatibility|calling');
    const list = await cli('calls', 'list', '--help');
    expect(list.stdout).toMatch(/--api <api>\s+compatibility or calling: only calls of that kind/);
    expect(list.stdout).toContain('KIND says which API owns a call');
    const transfer = await cli('calls', 'transfer', '--help');
    expect(transfer.code).toBe(0);
    expect(transfer.stdout).toContain('--to <dest>');
    const endAll = await cli('end-all', '--help');
    expect(endAll.stdout).toContain('queued calls');
  });
});

describe('listing and end-all over both kinds', () => {
  it('lists both kinds with a KIND column and api in JSON; --api narrows to one kind', async () => {
    const to = '+13105558101';
    const sid = compat('in-progress', to);
    const id = native('answered', { to });
    const table = await cli('calls', 'list', '--local', '--to', to);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^SID\s+FROM\s+TO\s+STATUS\s+DIRECTION\s+STARTED\s+DURATION\s+KIND$/m);
    expect(table.stdout).toMatch(new RegExp(`^${sid}\\s.*\\scompat$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s.*in-progress\\s.*\\snative$`, 'm'));

    const both = json<{ calls: Array<{ sid: string; api: string }> }>(
      await cli('calls', 'list', '--local', '--to', to, '-o', 'json'),
    );
    expect(
      both.calls.map(({ sid, api }) => ({ sid, api })).sort((a, b) => a.api.localeCompare(b.api)),
    ).toEqual([
      { sid: id, api: 'calling' },
      { sid, api: 'compatibility' },
    ]);
    for (const [api, expected] of [
      ['calling', id],
      ['compatibility', sid],
    ] as const) {
      for (const mode of [['--local'], DIRECT]) {
        const narrowed = json<{ calls: Array<{ sid: string }> }>(
          await cli('calls', 'list', ...mode, '--to', to, '--api', api, '-o', 'json'),
        );
        expect(
          narrowed.calls.map((call) => call.sid),
          `${api} ${mode[0]}`,
        ).toEqual([expected]);
      }
    }
  });

  it('end-all counts a call its voice-log pages list twice (they shifted between reads) once', async () => {
    const from = '+14155558109';
    // More than one page of 200, the newest calls of the project.
    const campaign = Array.from(
      { length: 201 },
      () => stack.emulator.native.seed(stack.projectId, { status: 'queued', ageSeconds: 0, from }).id,
    );
    let pages = 0;
    stack.emulator.setPaging('offset', () => {
      // More newer calls (another campaign's) arrive after the first page than a page holds: the API's cursor
      // cannot tell what it showed (README, "Each call once"), and the next pages read the campaign again.
      if (pages++ > 0) return;
      for (let n = 0; n < 201; n++)
        stack.emulator.native.seed(stack.projectId, { status: 'queued', ageSeconds: 0 });
    });
    try {
      const { preview } = json<{ preview: { count: number; calls: Array<{ sid: string }> } }>(
        await cli(
          'end-all',
          '--local',
          '--api',
          'calling',
          '--status',
          'queued',
          '--from',
          from,
          '--dry-run',
          '-o',
          'json',
        ),
      );

      expect(pages).toBeGreaterThan(1);
      expect(preview.count).toBe(201);
      expect(preview.calls.map((call) => call.sid).sort()).toEqual([...campaign].sort());
    } finally {
      stack.emulator.setPaging('cursor');
    }
  });

  it('end-all --dry-run -o json previews live and queued calls of both kinds; --yes ends or cancels them all', async () => {
    const from = '+14155558102';
    const compatLive = stack.emulator.seedCall(stack.projectId, {
      status: 'in-progress',
      ageSeconds: 60,
      from,
    }).sid;
    const compatQueued = stack.emulator.seedCall(stack.projectId, {
      status: 'queued',
      ageSeconds: 5,
      from,
    }).sid;
    const agent = native('answered', { from });
    const campaign = [native('queued', { from }), native('queued', { from }), native('queued', { from })];
    const expected = [
      { sid: compatLive, api: 'compatibility', status: 'in-progress' },
      { sid: compatQueued, api: 'compatibility', status: 'queued' },
      { sid: agent, api: 'calling', status: 'in-progress' },
      ...campaign.map((sid) => ({ sid, api: 'calling', status: 'queued' })),
    ];
    const bySid = <T extends { sid: string }>(list: T[]) =>
      [...list].sort((a, b) => a.sid.localeCompare(b.sid));
    stack.emulator.clearRequests();

    const preview = json<{
      dryRun: boolean;
      preview: { count: number; calls: Array<{ sid: string; api: string; status: string }> };
    }>(await cli('end-all', '--local', '--from', from, '--dry-run', '-o', 'json'));
    expect(preview.dryRun).toBe(true);
    expect(preview.preview.count).toBe(6);
    expect(bySid(preview.preview.calls.map(({ sid, api, status }) => ({ sid, api, status })))).toEqual(
      bySid(expected),
    );
    expect(stack.emulator.requests.filter((request) => request.method === 'POST')).toEqual([]);

    const run = await cli('end-all', '--local', '--from', from, '--yes', '--expect', '6', '-o', 'json');
    const done = json<{
      summary: Record<string, number>;
      results: Array<{ sid: string; api: string; status: string }>;
    }>(run);
    expect(done.summary).toMatchObject({ matched: 6, ended: 6, canceled: 3, alreadyEnded: 0, failed: 0 });
    expect(bySid(done.results.map(({ sid, api, status }) => ({ sid, api, status })))).toEqual(
      bySid([
        { sid: compatLive, api: 'compatibility', status: 'completed' },
        { sid: compatQueued, api: 'compatibility', status: 'completed' },
        { sid: agent, api: 'calling', status: 'completed' },
        ...campaign.map((sid) => ({ sid, api: 'calling', status: 'canceled' })),
      ]),
    );
    expect([compatLive, compatQueued].map(compatStatus)).toEqual(['completed', 'completed']);
    expect([agent, ...campaign].map(nativeStatus)).toEqual(['ended', 'canceled', 'canceled', 'canceled']);
    // The listing named each call's API: no call was looked up again before its end.
    const lookups = stack.emulator.requests.filter(
      (request) =>
        request.method === 'GET' && /\/Calls\/[^/]+\.json$|\/api\/voice\/logs\/[^/]+$/.test(request.path),
    );
    expect(lookups).toEqual([]);
  });

  it('end-all --api calling stops a runaway campaign and leaves Compatibility calls alone', async () => {
    const from = '+14155558103';
    const sid = stack.emulator.seedCall(stack.projectId, { status: 'queued', ageSeconds: 5, from }).sid;
    const campaign = [native('queued', { from }), native('queued', { from })];
    const table = await cli('end-all', '--local', '--from', from, '--api', 'calling', '--yes');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stderr).toContain('2 live call(s) match');
    expect(table.stdout).toContain('Ended 2 (2 cancelled before answer), already ended 0, failed 0 of 2');
    expect(campaign.map(nativeStatus)).toEqual(['canceled', 'canceled']);
    expect(compatStatus(sid)).toBe('queued');
  });
});

describe('transfer and paging through each target', () => {
  it('transfers a native call through the local API (named or looked up), and the API refuses a Compatibility call by name', async () => {
    const id = native('answered');
    const run = await cli('calls', 'transfer', id, '--to', '+13105550100', '--local', '--yes', '-o', 'json');
    expect(json<{ results: unknown[] }>(run).results).toEqual([
      { sid: id, outcome: 'updated', status: 'in-progress', api: 'calling' },
    ]);
    const named = native('answered');
    const again = await cli(
      'calls',
      'transfer',
      named,
      '--to',
      'https://example.com/escalate.swml',
      '--api',
      'calling',
      '--local',
      '--yes',
    );
    expect(again.code, again.stderr).toBe(0);
    expect(stack.emulator.native.transfersOf(stack.projectId, id)).toEqual(['+13105550100']);
    expect(stack.emulator.native.transfersOf(stack.projectId, named)).toEqual([
      'https://example.com/escalate.swml',
    ]);

    const sid = compat('in-progress', '+13105558201');
    stack.emulator.clearRequests();
    const refused = await cli('calls', 'transfer', sid, '--to', 'sip:a@example.com', '--local', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`${sid}  failed: \`calls transfer\` is for native calls`);
    expect(refused.stderr).toContain(`calls redirect ${sid} --local --url\` and that cXML's URL`);
    expect(refused.stderr).not.toContain('Fix the value named above');
    expect(nativeWrites()).toEqual([]);
  });

  it('lists each call once with --all when the voice-log pages shift between reads, as its freshest reading', async () => {
    const to = '+13105558303';
    // Ids that sort first among calls of the same second: these three are the newest, in this order.
    const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    for (const n of [1, 2, 3]) {
      stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: 0, to, id: id(n) });
    }
    let shifted = 0;
    // Sorted before every call above, run after run: each listing's newer calls.
    let run = 8;
    const shift = () => {
      // Between this page and the next, more newer calls arrive than a page holds (so the API's cursor cannot tell
      // what it showed, README "Each call once", and the next pages read calls 1 to 3 again) and call 2 ends.
      if (shifted++ > 0) return;
      run--;
      for (const n of [0, 1, 2, 3]) {
        const id = `00000000-0000-4000-${run}000-00000000000${n}`;
        stack.emulator.native.seed(stack.projectId, { status: 'queued', ageSeconds: 0, id });
      }
      stack.emulator.native.respond({
        method: 'POST',
        path: '/api/calling/calls',
        query: new URLSearchParams(),
        body: JSON.stringify({ command: 'calling.end', id: id(2), params: { reason: 'hangup' } }),
        contentType: 'application/json',
        projectId: stack.projectId,
        overRateLimit: false,
      });
    };
    const list = (output: 'json' | 'ndjson') => {
      shifted = 0;
      stack.emulator.setPaging('offset', shift);
      return cli(
        'calls',
        'list',
        '--local',
        '--api',
        'calling',
        '--to',
        to,
        '--page-size',
        '3',
        '--all',
        '-o',
        output,
      );
    };
    try {
      const asJson = json<{ calls: Array<{ sid: string; status: string }> }>(await list('json'));
      const ndjson = await list('ndjson');

      expect(asJson.calls.map((call) => [call.sid, call.status])).toEqual([
        [id(1), 'in-progress'],
        [id(2), 'completed'],
        [id(3), 'in-progress'],
      ]);
      expect(ndjson.code, ndjson.stderr).toBe(0);
      const lines = ndjson.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { sid: string }).sid);
      expect(lines).toEqual([id(1), id(2), id(3)]);
      expect(shifted).toBeGreaterThan(1);
    } finally {
      stack.emulator.setPaging('cursor');
    }
  });

  it('pages both kinds one call at a time with --all through --direct, and refuses a cursor it did not write', async () => {
    const to = '+13105558202';
    const sids = [
      compat('in-progress', to),
      compat('ringing', to),
      native('answered', { to }),
      native('queued', { to }),
    ];
    const run = await cli(
      'calls',
      'list',
      ...DIRECT,
      '--to',
      to,
      '--page-size',
      '1',
      '--all',
      '-o',
      'ndjson',
    );
    expect(run.code, run.stderr).toBe(0);
    const listed = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { sid: string; api: string });
    expect(listed.map((call) => call.sid).sort()).toEqual([...sids].sort());
    expect(
      listed
        .filter((call) => call.api === 'calling')
        .map((call) => call.sid)
        .sort(),
    ).toEqual(sids.slice(2).sort());

    const first = json<{ next_cursor: string }>(
      await cli('calls', 'list', ...DIRECT, '--to', to, '--page-size', '1', '-o', 'json'),
    );
    const next = json<{ calls: Array<{ sid: string }> }>(
      await cli('calls', 'list', ...DIRECT, '--cursor', first.next_cursor, '-o', 'json'),
    );
    // The page where the Compatibility calls end also holds the first voice-log page (the listing's rule 4).
    expect(next.calls.length).toBeGreaterThanOrEqual(1);
    for (const call of next.calls) expect(sids).toContain(call.sid);
    const forged = await cli(
      'calls',
      'list',
      ...DIRECT,
      '--cursor',
      Buffer.from('{"api":"x"}').toString('base64url'),
    );
    expect(forged.code).toBe(2);
    expect(forged.stderr).toContain('--cursor is not a cursor of a --direct listing');
  });

  it('pages one --cursor at a time through --direct without showing a call again when calls arrive between reads', async () => {
    const to = '+13105558404';
    // An hour ago, in a window of their own: the voice logs (which filter on creation time alone) hold only these.
    // Ended, so that the cleanup tests of this file (one shared project) find no more live calls.
    const calls = [1, 2, 3].map(
      (n) => stack.emulator.native.seed(stack.projectId, { status: 'ended', ageSeconds: 3600 + n, to }).id,
    );
    const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString().slice(0, 19);
    const window = ['--started-after', `${ago(3660)}Z`, '--started-before', `${ago(3540)}Z`];
    let reads = 0;
    stack.emulator.setPaging('offset', () => {
      // After the first page, a newer call arrives: the last call of that page is read again first on the next.
      if (reads++ === 0)
        stack.emulator.native.seed(stack.projectId, { status: 'ended', ageSeconds: 3600, to });
    });
    try {
      const shown: string[] = [];
      let page = json<{ calls: Array<{ sid: string }>; next_cursor: string | null }>(
        await cli(
          'calls',
          'list',
          ...DIRECT,
          '--api',
          'calling',
          '--to',
          to,
          ...window,
          '--page-size',
          '2',
          '-o',
          'json',
        ),
      );
      const first = page.next_cursor ?? '';
      for (let pages = 0; ; pages++) {
        shown.push(...page.calls.map((call) => call.sid));
        if (page.next_cursor === null || pages > 20) break;
        page = json(await cli('calls', 'list', ...DIRECT, '--cursor', page.next_cursor, '-o', 'json'));
      }

      expect(reads).toBeGreaterThan(1);
      expect(shown).toEqual(calls);
      // The cursor names the last call shown after a `#`; one this CLI did not write is refused by flag name.
      expect(first).toMatch(/#[\w-]{11}$/);
      const tampered = await cli('calls', 'list', ...DIRECT, '--cursor', `${first}!`);
      expect(tampered.code).toBe(2);
      expect(tampered.stderr).toContain('--cursor is not a cursor of a --direct listing');
    } finally {
      stack.emulator.setPaging('cursor');
    }
  });

  it('refuses --api calling with an end-time filter by flag name, through both targets', async () => {
    for (const mode of [['--local'], DIRECT]) {
      const run = await cli('calls', 'list', ...mode, '--api', 'calling', '--ended-after', '2026-11-29');
      expect(run.code, `${mode[0]}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain('--ended-after cannot be applied to native calls');
      // The way out in the CLI's terms: `--api calling`, not the HTTP API's query `api=calling`.
      expect(run.stderr).toContain('list without --api calling, or without --ended-after');
      expect(run.stderr).not.toContain('api=calling');
    }
  });
});

describe('end-all --older-than on native calls', () => {
  /**
   * Native calls to `to`, aged as the cleanup ages them: an answered call by its voice-log answer event, a queued
   * one by its creation. `lateAnswered` was created as long ago as `old` but answered a minute ago.
   */
  const seedAges = (to: string) => {
    const seed = (status: 'answered' | 'queued', ageSeconds: number, answeredAfterSeconds?: number) =>
      stack.emulator.native.seed(stack.projectId, {
        status,
        ageSeconds,
        to,
        ...(answeredAfterSeconds === undefined ? {} : { answeredAfterSeconds }),
      }).id;
    return {
      old: seed('answered', 1_200, 60),
      lateAnswered: seed('answered', 1_200, 1_140),
      young: seed('answered', 120),
      queued: seed('queued', 1_200),
    };
  };
  const eventReads = (id: string) =>
    stack.emulator.requests.filter((request) => request.path === `/api/voice/logs/${id}/events`);

  it('ends an answered native call answered longer ago than --older-than, and not one answered since, through --local and --direct', async () => {
    for (const [mode, to] of [
      [['--local'], '+13105558301'],
      [DIRECT, '+13105558302'],
    ] as const) {
      const calls = seedAges(to);
      stack.emulator.clearRequests();
      const table = await cli('end-all', ...mode, '--to', to, '--older-than', '15m', '--dry-run');
      expect(table.code, table.stderr).toBe(0);
      expect(table.stderr).toContain('2 live call(s) match');
      expect(table.stderr).toContain(calls.old);
      expect(table.stderr).not.toContain(calls.lateAnswered);
      expect(table.stderr).not.toContain('age unknown');
      // Created too recently to be 15 minutes old whenever it was answered: its events are never read.
      expect(eventReads(calls.young)).toEqual([]);
      expect(eventReads(calls.lateAnswered)).toHaveLength(1);

      const preview = json<{ preview: { calls: Array<{ sid: string; api: string }> } }>(
        await cli('end-all', ...mode, '--to', to, '--older-than', '15m', '--dry-run', '-o', 'json'),
      );
      expect(preview.preview.calls.map((call) => call.sid).sort()).toEqual([calls.old, calls.queued].sort());

      const run = await cli('end-all', ...mode, '--to', to, '--older-than', '15m', '--yes', '--expect', '2');
      expect(run.code, `${mode[0]}: ${run.stderr}`).toBe(0);
      expect([calls.old, calls.lateAnswered, calls.young, calls.queued].map(nativeStatus)).toEqual([
        'ended',
        'answered',
        'answered',
        'canceled',
      ]);
    }
  });

  it('through the deployed API, says an old answered native call was left out and why, and ends nothing of it', async () => {
    const to = '+13105558303';
    const calls = seedAges(to);
    const run = await deployed('end-all', '--to', to, '--older-than', '15m', '--dry-run');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('1 live call(s) match');
    expect(run.stderr).toContain(calls.queued);
    // The young one is young whenever it was answered; the two created 20 minutes ago cannot be judged here.
    expect(run.stderr).toContain(
      '2 answered native call(s) created more than 15m 00s ago were left out (age unknown)',
    );
    expect(run.stderr).toContain('--direct');
    expect(nativeStatus(calls.old)).toBe('answered');
  });
});

describe('cleanup --apply through the deployed stack on native calls', () => {
  it('says its preview judged only the Compatibility calls, counts the run without a false total, and the function ends both', async () => {
    const prefix = '+131055584';
    const compatibility = stack.emulator.seedCall(stack.projectId, {
      status: 'ringing',
      ageSeconds: 3_000,
      to: `${prefix}01`,
    }).sid;
    const nativeCall = stack.emulator.native.seed(stack.projectId, {
      status: 'answered',
      ageSeconds: 7_200,
      answeredAfterSeconds: 60,
      to: `${prefix}02`,
    }).id;
    const run = await deployed(
      'cleanup',
      '--apply',
      '--yes',
      '--max-age-ringing',
      '40m',
      '--max-age-in-progress',
      '1h',
      '--to-prefix',
      prefix,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^1 stale Compatibility call\(s\) on stack /m);
    expect(run.stderr).toContain('Native calls (SWML, AI agents) are not in this preview');
    // The preview could not count the native calls: the progress counts up, it shows no total it never knew.
    expect(run.stderr).not.toMatch(/cleanup \[[#-]+\] \d+\/100/);
    expect(run.stderr).toMatch(/^cleanup: 2$/m);
    expect(run.stdout).toContain('ended 2, already ended 0');
    expect([compatStatus(compatibility), nativeStatus(nativeCall)]).toEqual(['canceled', 'ended']);
  });
});
