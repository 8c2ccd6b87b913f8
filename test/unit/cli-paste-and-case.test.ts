import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../cli/core/parse.ts';
import { COMMANDS } from '../../cli/registry.ts';
import { refusalOf } from '../support/cli-command-line.ts';

const sid = '3f2a6c1e-9bf0-4a11-8c2d-0123456789ab';
const [head, tail] = [sid.slice(0, 28), sid.slice(28)];

describe('a word of a fixed set given twice in two cases', () => {
  it('reads `--status queued --status QUEUED` as one status, as a single `--status QUEUED` is read', async () => {
    const line = await parseCommandLine(
      ['calls', 'list', '--status', 'queued', '--status', 'QUEUED'],
      COMMANDS,
    );
    expect(line).toMatchObject({ kind: 'command', name: 'calls list' });
    const once = await parseCommandLine(['calls', 'list', '--status', 'QUEUED'], COMMANDS);
    expect(once).toMatchObject({ kind: 'command', values: { status: 'QUEUED' } });
  });

  it.each([
    [['-o', 'json', 'calls', 'list', '-o', 'JSON']],
    [['calls', 'get', sid, '--api', 'calling', '--api', ' Calling ']],
    [['calls', 'update', sid, '--status', 'completed', '--status=Completed']],
    [['calls', 'redirect', sid, '--url', 'https://example.com/x', '--method', 'get', '--method', 'GET']],
  ])('accepts %j: the same word in another case is the same value', async (argv) => {
    await expect(parseCommandLine(argv, COMMANDS)).resolves.toMatchObject({ kind: 'command' });
  });

  it('still refuses two different words, and two spellings of a value read as given (`--to`)', async () => {
    expect((await refusalOf(['calls', 'list', '--status', 'queued', '--status', 'RINGING'])).message).toBe(
      `option '--status' given twice, as "queued" and "RINGING"; it takes one value`,
    );
    expect((await refusalOf(['calls', 'list', '--to', 'sip:A@x', '--to', 'sip:a@x'])).message).toContain(
      `option '--to' given twice`,
    );
  });
});

describe('a SID split by a paste in the `--call=<sid>` form', () => {
  it('is named as one SID split by a space, with the line to type, as the `--call <sid>` form is', async () => {
    const spaced = await refusalOf(['audit', '--call', head, tail, '--local']);
    const inline = await refusalOf(['audit', `--call=${head}`, tail, '--local']);
    expect(inline.message).toBe(
      `"${head}" and "${tail}" are one call SID split by a space: ${sid}; nothing was sent`,
    );
    expect(inline.message).toBe(spaced.message);
    expect(inline.hint).toBe(`Type the SID as one word: \`call-control audit --call=${sid} --local\`.`);
  });

  it('is found when the paste broke the SID at a hyphen, so the second piece is not an unknown option', async () => {
    const error = await refusalOf(['audit', `--call=${sid.slice(0, 18)}`, sid.slice(18)]);
    expect(error.message).toContain(`are one call SID split by a space: ${sid}`);
    expect(error.hint).toBe(`Type the SID as one word: \`call-control audit --call=${sid}\`.`);
  });
});

describe('a SID split from its `--option=` by a space, for every option that takes a SID', () => {
  it.each([
    ['audit', '--call', []],
    ['cleanup', '--never-touch', ['--dry-run']],
    ['calls list', '--parent', []],
  ])(
    '`%s %s= <sid>` is named as one option split by a space, with the line to type',
    async (name, flag, more) => {
      const error = await refusalOf([...name.split(' '), ...more, `${flag}=`, sid, '--local']);
      expect(error.message).toBe(
        `"${flag}=" and "${sid}" are one option split by a space: ${flag}=${sid}; nothing was sent`,
      );
      expect(error.hint).toBe(
        `Type the SID as one word: \`call-control ${[name, ...more].join(' ')} ${flag}=${sid} --local\`.`,
      );
    },
  );

  it('puts every SID split from its option back in the line to type, so it is not refused again', async () => {
    const other = sid.replace('3f2a', '4e1b');
    const error = await refusalOf(['cleanup', '--dry-run', '--never-touch=', sid, '--never-touch=', other]);
    expect(error.hint).toBe(
      `Type the SID as one word: \`call-control cleanup --dry-run --never-touch=${sid} --never-touch=${other}\`.`,
    );
  });

  it('puts the SID back after its `--call=` when the SID itself was split too', async () => {
    const error = await refusalOf(['audit', '--call=', head, tail]);
    expect(error.message).toBe(
      `"${head}" and "${tail}" are one call SID split by a space: ${sid}; nothing was sent`,
    );
    expect(error.hint).toBe(`Type the SID as one word: \`call-control audit --call=${sid}\`.`);
  });

  it('finds a SID split after `calls list --parent`, as after `audit --call`', async () => {
    const error = await refusalOf(['calls', 'list', '--parent', head, tail]);
    expect(error.message).toBe(
      `"${head}" and "${tail}" are one call SID split by a space: ${sid}; nothing was sent`,
    );
    expect(error.hint).toBe(`Type the SID as one word: \`call-control calls list --parent ${sid}\`.`);
  });

  it('reads `--to= <number>` as an option split from its value, not as a split SID', async () => {
    const error = await refusalOf(['calls', 'list', '--to=', '+14155550100']);
    expect(error.message).toBe(
      '"--to=" and "+14155550100" are one option split by a space: --to=+14155550100; nothing was sent',
    );
  });
});

describe('any option split from its value by a space (`--status= in-progress`)', () => {
  it('is named as one option split by a space, with the line to type, not as an unexpected argument', async () => {
    const error = await refusalOf(['calls', 'list', '--status=', 'in-progress', '--local']);
    expect(error.message).toBe(
      '"--status=" and "in-progress" are one option split by a space: --status=in-progress; nothing was sent',
    );
    expect(error.hint).toBe(
      'Type the option and its value as one word: `call-control calls list --status=in-progress --local`.',
    );
  });

  it('puts every option split from its value back together in the line to type', async () => {
    const error = await refusalOf(['calls', 'list', '--status=', 'in-progress', '--to=', '+14155550100']);
    expect(error.hint).toBe(
      'Type the option and its value as one word: `call-control calls list --status=in-progress --to=+14155550100`.',
    );
  });

  it.each([
    [['calls', 'list', '--bogus=', 'x'], `unknown option '--bogus' for \`call-control calls list\``],
    [['calls', 'list', '--local=', 'x'], `option '--local' takes no value`],
    [['end-all', '--yes=', 'x'], `option '--yes' takes no value`],
  ])('refuses %j for its option, not with a line to type that is refused in turn', async (argv, message) => {
    expect((await refusalOf(argv)).message).toBe(message);
  });

  it('names a short option split from its value (`-o= json`), as `-o=json` is read as `-o json`', async () => {
    const error = await refusalOf(['calls', 'list', '-o=', 'json', '--local']);
    expect(error.message).toBe('"-o=" and "json" are one option split by a space: -o=json; nothing was sent');
    expect(error.hint).toBe(
      'Type the option and its value as one word: `call-control calls list -o=json --local`.',
    );
  });

  it('puts the same split back twice when it was typed twice, so the line to type is not refused again', async () => {
    const error = await refusalOf(['cleanup', '--dry-run', '--to-prefix=', '+1', '--to-prefix=', '+1']);
    expect(error.hint).toBe(
      'Type the option and its value as one word: `call-control cleanup --dry-run --to-prefix=+1 --to-prefix=+1`.',
    );
  });

  it('offers no line to type when the word after `--x=` is empty: there is no value to put back', async () => {
    // Left to the command's own check of its arguments, as any argument too many is.
    await expect(
      parseCommandLine(['calls', 'list', '--to=', '', '--local'], COMMANDS),
    ).resolves.toMatchObject({
      positionals: [''],
    });
  });

  it('leaves a word the command takes as its argument alone: `calls end --api= <sid>` is an empty --api', async () => {
    const line = await parseCommandLine(['calls', 'end', '--api=', sid], COMMANDS);
    expect(line).toMatchObject({ kind: 'command', positionals: [sid], values: { api: '' } });
  });
});

describe('a command line with several splits of different kinds', () => {
  it('gives one line to type that puts back a SID split from its option and an option split from its value', async () => {
    const error = await refusalOf(['audit', '--call=', sid, '--actor=', 'a b', '--local']);
    expect(error.message).toBe(
      `"--call=" and "${sid}" are one option split by a space: --call=${sid}; nothing was sent`,
    );
    expect(error.hint).toBe(
      `Type each SID, and each option with its value, as one word: \`call-control audit --call=${sid} '--actor=a b' --local\`.`,
    );
  });

  it('puts back a SID split in pieces and the options split from their values around it', async () => {
    const error = await refusalOf([
      'calls',
      'list',
      '--status=',
      'queued',
      '--parent',
      head,
      tail,
      '--to=',
      'x',
    ]);
    expect(error.hint).toBe(
      `Type each SID, and each option with its value, as one word: \`call-control calls list --status=queued --parent ${sid} --to=x\`.`,
    );
  });

  it('gives a line to type that is itself read without a refusal', async () => {
    const error = await refusalOf(['cleanup', '--dry-run', '--never-touch=', sid, '--to-prefix=', '+1']);
    const line = /`call-control (.*)`/.exec(String(error.hint))?.[1]?.split(' ');
    expect(line).toEqual(['cleanup', '--dry-run', `--never-touch=${sid}`, '--to-prefix=+1']);
    await expect(parseCommandLine(line!, COMMANDS)).resolves.toMatchObject({
      kind: 'command',
      name: 'cleanup',
    });
  });
});

describe('a global option split from its value before the command (`--stack= prod calls list`)', () => {
  it.each([
    [['--stack=', 'prod', 'calls', 'list'], '--stack=', 'prod', 'call-control --stack=prod calls list'],
    [
      ['--local', '--port=', '3001', 'end-all', '--dry-run'],
      '--port=',
      '3001',
      'call-control --local --port=3001 end-all --dry-run',
    ],
    [['-o=', 'json', 'calls', 'list'], '-o=', 'json', 'call-control -o=json calls list'],
    [
      ['calls', '--region=', 'us-east-1', 'list'],
      '--region=',
      'us-east-1',
      'call-control calls --region=us-east-1 list',
    ],
  ])(
    '%j names the split option, not an unknown command, with the line to type',
    async (argv, flag, value, line) => {
      const error = await refusalOf(argv);
      expect(error.message).toBe(
        `"${flag}" and "${value}" are one option split by a space: ${flag}${value}; nothing was sent`,
      );
      expect(error.hint).toBe(`Type the option and its value as one word: \`${line}\`.`);
    },
  );

  it('puts back the splits after the command in the same line', async () => {
    const error = await refusalOf(['--stack=', 'prod', 'calls', 'list', '--status=', 'queued']);
    expect(error.hint).toBe(
      'Type the option and its value as one word: `call-control --stack=prod calls list --status=queued`.',
    );
  });

  it.each([
    [
      ['--to=', '+1415', 'end-all', '--dry-run'],
      '--to=',
      '+1415',
      'call-control --to=+1415 end-all --dry-run',
    ],
    [
      ['--status=', 'queued', 'calls', 'list'],
      '--status=',
      'queued',
      'call-control --status=queued calls list',
    ],
    [
      ['calls', '--status=', 'queued', 'list'],
      '--status=',
      'queued',
      'call-control calls --status=queued list',
    ],
  ])(
    '%j: a command option before the command, split, is named as split, not as unknown',
    async (argv, flag, value, line) => {
      const error = await refusalOf(argv);
      expect(error.message).toBe(
        `"${flag}" and "${value}" are one option split by a space: ${flag}${value}; nothing was sent`,
      );
      expect(error.hint).toBe(`Type the option and its value as one word: \`${line}\`.`);
      await expect(parseCommandLine(line.split(' ').slice(1), COMMANDS)).resolves.toMatchObject({
        kind: 'command',
      });
    },
  );

  it('names a misspelt option split from its value as unknown, with its nearest spelling', async () => {
    expect((await refusalOf(['--regoin=', 'us-east-1', 'calls', 'list'])).message).toBe(
      "unknown option '--regoin' (did you mean `--region`?)",
    );
  });
});

describe('an option behind a typographic dash (`—local`, `–-yes`: a paste or autocorrect turned `--` into one)', () => {
  it.each([
    [['—local', 'calls', 'list'], '—local', 'call-control --local calls list'],
    [['calls', 'list', '–-local', '--to', '+1555'], '–-local', 'call-control calls list --local --to +1555'],
    [['calls', 'end', sid, '—yes'], '—yes', `call-control calls end ${sid} --yes`],
    [['calls', 'list', '—Status=ringing'], '—Status=ringing', 'call-control calls list --status=ringing'],
    [['−dry-run', 'end-all'], '−dry-run', 'call-control --dry-run end-all'],
  ])('%j is named as such, with the line to type (nothing sent)', async (args, word, line) => {
    const error = await refusalOf(args);
    expect(error.message).toBe(
      `"${word}" begins with a typographic dash, not "--" (a paste or autocorrect changes one); nothing was sent`,
    );
    expect(error.hint).toBe(`Type the option with two hyphens: \`${line}\`.`);
  });

  it.each([
    [['end-all', '--to', '—yes']],
    [['--stack', '—yes', 'end-all']],
    [['cleanup', '--policy-file', '—apply']],
  ])(
    '%j, the word where a value goes, offers no line (`--to --yes` is refused, and its line leaves --to out)',
    async (args) => {
      const error = await refusalOf(args);
      expect(error.message).toMatch(/^"—(yes|apply)" begins with a typographic dash, not "--"/);
      expect(error.hint).toBe(
        'Type the option with two hyphens, where an option goes: the line with them put back is refused in turn (run the command with --help for its options).',
      );
    },
  );

  it('leaves a dashed word that names no option to the refusal it had (`—bogus calls list`: a command)', async () => {
    expect((await refusalOf(['—bogus', 'calls', 'list'])).message).toBe('unknown command "—bogus"');
  });

  /** The registry, saying which commands' modules a line loaded (each loads the AWS SDK or the cleanup engine). */
  const counted = () => {
    const loaded = new Set<string>();
    const registry = Object.fromEntries(
      Object.entries(COMMANDS).map(([name, entry]) => [
        name,
        {
          ...entry,
          load: () => {
            loaded.add(name);
            return entry.load();
          },
        },
      ]),
    );
    return { loaded, registry };
  };

  it.each([
    [['audit', '--actor', '—bob'], 'audit', { actor: '—bob' }],
    [['audit', '--actor', '—to'], 'audit', { actor: '—to' }],
    [['calls', 'list', '-o', '—json', '--status', 'ringing'], 'calls list', { output: '—json' }],
  ])(
    '%j, a dashed value of the command named, runs loading that command alone',
    async (args, name, values) => {
      const { loaded, registry } = counted();

      expect(await parseCommandLine(args, registry)).toMatchObject({ kind: 'command', name, values });
      expect([...loaded]).toEqual([name]);
    },
  );

  // `cleanup --never-touch —to` would protect nothing: another command's option, so every module is read to know it.
  it.each([
    [['cleanup', '--apply', '--never-touch', '—to', '--yes'], '—to', Object.keys(COMMANDS)],
    [['cleanup', '--apply', '--never-touch', '–-parent', '--yes'], '–-parent', Object.keys(COMMANDS)],
    [['end-all', '--to', '—from', '--dry-run'], '—from', ['end-all']],
    [['calls', 'transfer', sid, '--to', '—yes'], '—yes', ['calls transfer']],
  ])(
    '%j, a dashed value naming an option, of a command that changes calls, is refused as before (nothing sent)',
    async (args, word, loads) => {
      const { loaded, registry } = counted();
      const error = await refusalOf(args, registry);

      expect(error.message).toBe(
        `"${word}" begins with a typographic dash, not "--" (a paste or autocorrect changes one); nothing was sent`,
      );
      expect(error.hint).not.toMatch(/--yes/);
      expect(loaded).toEqual(new Set(loads));
    },
  );

  // A short option behind a dash is an option too: `--never-touch "$KEEP" –y`, KEEP unset, protected nothing.
  // Said with one hyphen, `-y`: "two hyphens" would have it typed as `--y`, an unknown option.
  it.each([
    [['cleanup', '--apply', '--max-age-in-progress', '1h', '--never-touch', '–y'], '–y', '-y'],
    [['end-all', '--to', '—y'], '—y', '-y'],
    [['calls', 'list', '–o', 'json'], '–o', '-o'],
  ])('%j, a short option behind a typographic dash, is refused (nothing sent)', async (args, word, meant) => {
    const { registry } = counted();
    const error = await refusalOf(args, registry);

    expect(error.message).toBe(
      `"${word}" begins with a typographic dash, not "-" (a paste or autocorrect changes one); nothing was sent`,
    );
    expect(error.hint).toMatch(new RegExp(`^Type the option with a hyphen \\(${meant}\\)`));
    expect(error.hint).not.toMatch(/two hyphens/);
    if (args[0] === 'calls') expect(error.hint).toContain(`calls list ${meant} json`);
    else expect(error.hint).toMatch(/, where an option goes: the line with it put back is refused in turn/);
  });

  it.each([
    [
      ['calls', 'list', '–o', 'json', '—local'],
      'Type each option with its hyphens (one before a letter, two before a name)',
    ],
    [['calls', 'list', '–o', 'json', '–y'], 'Type each option with a hyphen'],
  ])('%j, short and long options behind dashes, says the hyphens of each', async (args, lead) => {
    const error = await refusalOf(args);

    expect(error.hint).toMatch(new RegExp(`^${lead.replace(/[()]/g, '\\$&')}: \``));
  });

  it('loads every command only for a refusal that needs them (`calls end <sid> —dry-run`: an option of others)', async () => {
    const { loaded, registry } = counted();

    expect((await refusalOf(['calls', 'end', sid, '—dry-run'], registry)).message).toMatch(
      /^"—dry-run" begins with a typographic dash, not "--"/,
    );
    expect(loaded).toEqual(new Set(Object.keys(COMMANDS)));
  });
});

describe('a value pasted with typographic quotes (“+1555…”: a chat or a document; no shell removes them)', () => {
  it.each([
    [['end-all', '--to', '“+15551234567”', '--dry-run'], '--to', '“+15551234567”'],
    [['calls', 'list', '--from=‘+15551234567’'], '--from', '‘+15551234567’'],
    [['calls', 'list', '--parent', `„${sid}“`], '--parent', `„${sid}“`],
    [
      ['calls', 'redirect', sid, '--url', '«https://example.com/a.xml»'],
      '--url',
      '«https://example.com/a.xml»',
    ],
    [['calls', 'list', '--stack', 'prod”'], '--stack', 'prod”'],
  ])('%j is refused, naming the quotes (nothing sent)', async (args, flag, value) => {
    const error = await refusalOf(args);

    expect(error.message).toBe(
      `${flag} "${value}" holds typographic quotes (“ ” ‘ ’ „ « »), pasted with it; a shell does not remove them; nothing was sent`,
    );
    expect(error.hint).toBe(
      `Type ${flag} again without them (or in plain quotes, ' or ", which the shell removes).`,
    );
  });

  it('reads `audit --call “<sid>”` as that SID, as a SID of `calls end` is, and a quote inside a value as data', async () => {
    expect(await parseCommandLine(['audit', '--call', `“${sid}”`], COMMANDS)).toMatchObject({
      values: { call: `“${sid}”` },
    });
    expect(await parseCommandLine(['audit', '--actor', 'cli:o’brien'], COMMANDS)).toMatchObject({
      values: { actor: 'cli:o’brien' },
    });
  });
});
