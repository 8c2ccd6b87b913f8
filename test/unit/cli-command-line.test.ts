import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { CALL_UPDATE_FIELDS } from '#commons/signalwire/types';
import { command as callsUpdate } from '../../cli/commands/calls-update.ts';
import { CALL_COLUMNS, CALL_DROP_ORDER, CALL_MAX_CELL, parseDuration } from '../../cli/core/calls-view.ts';
import { type CommandModule, defineCommand } from '../../cli/core/command.ts';
import { UsageError } from '../../cli/core/errors.ts';
import { GLOBAL_OPTIONS, nearest } from '../../cli/core/options.ts';
import { parseCommandLine } from '../../cli/core/parse.ts';
import { safeJson, visible, visibleBlock } from '../../cli/core/safe-text.ts';
import { renderTable } from '../../cli/core/table.ts';
import { paint } from '../../cli/core/terminal.ts';
import { mainHelp } from '../../cli/registry.ts';
import { refusalOf } from '../support/cli-command-line.ts';

const listCommand: CommandModule = defineCommand(
  {
    name: 'calls list',
    summary: 'List.',
    positionals: { min: 0, max: 0 },
    options: {
      status: { type: 'string', description: 'status' },
      all: { type: 'boolean', description: 'all' },
    },
    examples: [],
  },
  async () => 0,
);
const registry = {
  'calls list': { summary: 'List.', load: async () => listCommand },
  'calls end': { summary: 'End.', load: async () => listCommand },
  'calls get': { summary: 'Get.', load: async () => listCommand },
  'end-all': { summary: 'End all.', load: async () => listCommand },
};

const usageOf = async (argv: string[]): Promise<string> => (await refusalOf(argv, registry)).message;

describe('the command line, read once', () => {
  it('reads global options before or after the command into the same typed values', async () => {
    const before = await parseCommandLine(
      ['--local', '--port', '3001', 'calls', 'list', '--status', 'ringing'],
      registry,
    );
    const after = await parseCommandLine(
      ['calls', 'list', '--status', 'ringing', '--port', '3001', '--local'],
      registry,
    );
    expect(before).toMatchObject({
      kind: 'command',
      name: 'calls list',
      values: { local: true, port: '3001', status: 'ringing' },
    });
    expect(after).toMatchObject({
      kind: 'command',
      name: 'calls list',
      values: { local: true, port: '3001', status: 'ringing' },
    });
    expect(await parseCommandLine(['-o', 'json', 'calls', 'list'], registry)).toMatchObject({
      values: { output: 'json' },
    });
  });

  it('names an unknown command or option with its nearest valid spelling', async () => {
    expect(await usageOf(['cals', 'list'])).toBe('unknown command "cals" (did you mean `calls`?)');
    expect(await usageOf(['calls', 'lsit'])).toBe(
      'unknown command "calls lsit" (did you mean `calls list`?)',
    );
    expect(await usageOf(['calls', 'list', '--stauts', 'x'])).toBe(
      "unknown option '--stauts' for `call-control calls list` (did you mean `--status`?)",
    );
    expect(await usageOf(['zzzzzz'])).toBe('unknown command "zzzzzz"');
    expect(await usageOf(['calls', 'list', '--status'])).toContain("option '--status' needs a value");
    expect(await usageOf(['calls', 'list', '--all=yes'])).toBe("option '--all' takes no value");
  });

  it('suggests a spelling with two letters swapped wherever a word is guessed: command, subcommand, option', async () => {
    expect(await usageOf(['calls', 'list', '--yse'])).toBe(
      "unknown option '--yse' for `call-control calls list` (did you mean `--yes`?)",
    );
    expect(await usageOf(['--yse'])).toBe("unknown option '--yse' (did you mean `--yes`?)");
    expect(await usageOf(['calls', 'gte', 'CA1'])).toBe(
      'unknown command "calls gte" (did you mean `calls get`?)',
    );
    expect(await usageOf(['edn-all'])).toBe('unknown command "edn-all" (did you mean `end-all`?)');
    expect(await usageOf(['clals', 'list'])).toBe('unknown command "clals" (did you mean `calls`?)');
  });

  it('suggests the name typed in capitals (caps lock on): command, subcommand, option', async () => {
    expect(await usageOf(['END-ALL'])).toBe('unknown command "END-ALL" (did you mean `end-all`?)');
    expect(await usageOf(['calls', 'LIST'])).toBe(
      'unknown command "calls LIST" (did you mean `calls list`?)',
    );
    expect(await usageOf(['calls', 'list', '--STATUS', 'ringing'])).toBe(
      "unknown option '--STATUS' for `call-control calls list` (did you mean `--status`?)",
    );
  });

  it('names a misspelt option typed with no command (`call-control --hlep`) instead of printing the help alone', async () => {
    expect(await usageOf(['--hlep'])).toBe("unknown option '--hlep' (did you mean `--help`?)");
    expect(await usageOf(['--Help'])).toBe("unknown option '--Help' (did you mean `--help`?)");
    expect(await usageOf(['-H'])).toBe("unknown option '-H' (did you mean `-h`?)");
    expect(await usageOf(['--local', '--lcal=1'])).toBe("unknown option '--lcal' (did you mean `--local`?)");
    // Its value before the command is no command: the option is what was misspelt.
    expect(await usageOf(['--regoin', 'us-east-1', 'calls', 'list'])).toBe(
      "unknown option '--regoin' (did you mean `--region`?)",
    );
    expect(await usageOf(['-O', 'json'])).toBe("unknown option '-O' (did you mean `-o`?)");
    expect(await usageOf(['--yes', 'cals', 'list'])).toBe('unknown command "cals" (did you mean `calls`?)');
    // Global options alone are no mistake: the help, as before.
    expect(await parseCommandLine(['--local', '--port', '3001'], registry)).toEqual({
      kind: 'help',
      topic: 'main',
      asked: false,
    });
  });

  it('says a global option lost its value to the command (`--port calls list`), not that `list` is unknown', async () => {
    expect(await usageOf(['--port', 'calls', 'list', '--local'])).toBe(
      `option '--port' needs a value (--port <n>): "calls" was read as its value`,
    );
    expect(await usageOf(['-o', 'end-all', '--dry-run'])).toBe(
      `option '-o' needs a value (-o <format>): "end-all" was read as its value`,
    );
    // A stack that happens to be named like a command, before a command: read as the value.
    expect(await parseCommandLine(['--stack', 'calls', 'end-all'], registry)).toMatchObject({
      name: 'end-all',
      values: { stack: 'calls' },
    });
  });

  it('offers as the line to copy the command without the option, never one with a placeholder (`<n>` is a shell redirect)', async () => {
    const hintOf = async (argv: string[]): Promise<string> =>
      parseCommandLine(argv, registry).then(
        () => 'parsed',
        (error: unknown) => String(error instanceof UsageError ? error.hint : error),
      );
    expect(await hintOf(['--port', 'calls', 'list', '--local'])).toBe(
      'Give --port its value right after it (--port <n>), or leave it out: `call-control calls list --local`.',
    );
    expect(await hintOf(['-o', 'end-all', '--dry-run'])).toBe(
      'Give -o its value right after it (-o <format>), or leave it out: `call-control end-all --dry-run`.',
    );
    // The words before the option stay in the line: without `--stack prod`, it would end another stack's calls.
    expect(await hintOf(['--stack', 'prod', '-o', 'end-all', '--yes'])).toBe(
      'Give -o its value right after it (-o <format>), or leave it out: `call-control --stack prod end-all --yes`.',
    );
    // `--stack` took `--port` as its value, and `--port` lacks its own: the line without `--stack` would be refused
    // in turn, so none is offered, and no placeholder stands where a line to copy would.
    expect(await usageOf(['--stack', '--port', 'calls', 'get', 'CA1'])).toBe(
      `option '--stack' needs a value (--stack <name>): "--port" is an option, read as its value`,
    );
    expect(await hintOf(['--stack', '--port', 'calls', 'get', 'CA1'])).toBe(
      'Give --stack its value right after it (--stack <name>; --stack=<name> for one starting with "-"), or leave it out.',
    );
  });

  it('the main help names every global option (they go before or after the command)', () => {
    const line = mainHelp(paint(false))
      .split('\n')
      .find((text) => text.startsWith('Global options'));
    for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
      if (name === 'help') continue;
      const shown = 'short' in spec && name === 'output' ? `-${spec.short}` : `--${name}`;
      expect(line, name).toMatch(new RegExp(`[ (]${shown}[,)]`));
    }
  });

  it('suggests `--version` for `call-control version`', async () => {
    expect(await usageOf(['version'])).toBe('unknown command "version" (did you mean `--version`?)');
  });

  it('a calls subcommand typed without its group, or after it (`end calls <sid>`), suggests `calls end`, never `end-all`', async () => {
    const sid = '3f2a6c1e-0000-4000-8000-000000000000';
    expect(await usageOf(['end', 'calls', sid])).toBe(
      'unknown command "end calls" (did you mean `calls end`?)',
    );
    expect(await usageOf(['--local', 'end', sid])).toBe('unknown command "end" (did you mean `calls end`?)');
    expect(await usageOf(['get', 'calls', sid, '--local'])).toBe(
      'unknown command "get calls" (did you mean `calls get`?)',
    );
  });

  it('refuses an option of one value given twice with two values (`--to A --to B`), naming both; the same value twice is no conflict', async () => {
    expect(await usageOf(['calls', 'list', '--status', 'ringing', '--status', 'queued'])).toBe(
      `option '--status' given twice, as "ringing" and "queued"; it takes one value`,
    );
    expect(await usageOf(['-o', 'json', 'calls', 'list', '-o', 'table'])).toBe(
      `option '-o' given twice, as "json" and "table"; it takes one value`,
    );
    expect(await usageOf(['calls', 'list', '--port=3001', '--port', '3002'])).toContain(
      `option '--port' given twice, as "3001" and "3002"`,
    );
    expect(
      await parseCommandLine(
        ['--port', '3001', 'calls', 'list', '--port', '3001', '--all', '--all'],
        registry,
      ),
    ).toMatchObject({ values: { port: '3001', all: true } });
  });

  it('reads `-o=json` as `-o json` (as `--output=json`), and leaves a `-o=…` after `--` alone', async () => {
    expect(await parseCommandLine(['calls', 'list', '-o=json'], registry)).toMatchObject({
      values: { output: 'json' },
    });
    expect(await parseCommandLine(['-o=ndjson', 'calls', 'list'], registry)).toMatchObject({
      values: { output: 'ndjson' },
    });
    expect(await parseCommandLine(['calls', 'list', '--', '-o=json'], registry)).toMatchObject({
      positionals: ['-o=json'],
    });
  });

  it('finds two edits for a longer word, one for a short one', () => {
    expect(nearest('lsit', ['list', 'get'])).toBe('list');
    expect(nearest('gtx', ['list', 'get'])).toBeUndefined();
    expect(nearest('cleanp', ['cleanup', 'calls'])).toBe('cleanup');
  });

  it('counts two neighbouring letters swapped as one edit, so a short word swapped once is suggested', () => {
    expect(nearest('gte', ['list', 'get'])).toBe('get');
    expect(nearest('yse', Object.keys(GLOBAL_OPTIONS))).toBe('yes');
    expect(nearest('edn-all', ['calls', 'end-all', 'cleanup'])).toBe('end-all');
    expect(nearest('lsit', ['list', 'end'])).toBe('list');
    // Two swaps (`tge`, `sey`) are two edits: too far from a word of three letters.
    expect(nearest('tge', ['list', 'get'])).toBeUndefined();
    expect(nearest('sey', ['yes', 'local'])).toBeUndefined();
  });

  it('gives `calls update` one flag per field of Update a Call, and --api for the API owning the call', () => {
    expect(Object.keys(callsUpdate.spec.options).sort()).toEqual(
      [
        ...CALL_UPDATE_FIELDS.map((field) =>
          field.replace(/[A-Z]/g, (letter, at: number) => `${at > 0 ? '-' : ''}${letter.toLowerCase()}`),
        ),
        'api',
      ].sort(),
    );
  });

  it('requires a unit on every duration', () => {
    expect(parseDuration('15m', '--older-than')).toBe(900);
    expect(() => parseDuration('15', '--older-than')).toThrow(
      '--older-than needs a unit: 15s, 15m, 15h or 15d',
    );
  });

  it('reads a sum of units largest first (`1h30m`, `1d12h`, `2m30s`), and refuses a repeated or reordered unit, a fraction or a sign', () => {
    expect(parseDuration('1h30m', '--older-than')).toBe(5400);
    expect(parseDuration('1d12h', '--since')).toBe(129_600);
    expect(parseDuration('2m30s', '--max-age-ringing')).toBe(150);
    expect(parseDuration('1h 30m', '--older-than')).toBe(5400);
    expect(parseDuration('0s', '--older-than')).toBe(0);
    for (const refused of ['1m1m', '30m1h', '1.5h', '-5m', '+5m', '1h30', '15M', 'h', '']) {
      expect(() => parseDuration(refused, '--older-than'), refused).toThrow(
        `--older-than must be a duration such as 90s, 15m, 2h, 1d or 1h30m, got "${refused}"`,
      );
    }
  });

  it('refuses a duration past 100 years (a typo that would reach before 1970, or Infinity), naming the flag', () => {
    expect(parseDuration('36500d', '--since')).toBe(36_500 * 86_400);
    for (const typo of ['36501d', '99999999999d']) {
      expect(() => parseDuration(typo, '--since'), typo).toThrow(
        `--since must be at most 36500d (100 years), got "${typo}"`,
      );
    }
    // A word longer than a refusal echoes whole (cli-echo.test.ts): its start, and how long it is.
    expect(() => parseDuration(`${'9'.repeat(400)}d`, '--since')).toThrow(
      `--since must be at most 36500d (100 years), got "${'9'.repeat(80)}… (401 characters)"`,
    );
  });
});

describe('text from outside, shown', () => {
  const hostile = 'a\u001b]0;x\u0007b\u001b[2J\u202ec\u009bd\u007fe\r\n';

  it('escapes C0, DEL, C1 and bidi controls visibly in a value', () => {
    expect(visible(hostile)).toBe('a\\x1b]0;x\\x07b\\x1b[2J\\u202ec\\x9bd\\x7fe\\x0d\\x0a');
  });

  it('keeps line feeds and this CLI’s own colours in a block, and nothing else', () => {
    const own = paint(true).red('red');
    expect(visibleBlock(`${own}\n${hostile}`)).toBe(
      `${own}\na\\x1b]0;x\\x07b\\x1b[2J\\u202ec\\x9bd\\x7fe\\x0d\n`,
    );
  });

  it('escapes invisible characters (zero-width space, separators, soft hyphen, BOM), stray joiners and tags, and a combining mark with no base', () => {
    const spoof = '+1415\u200b555\u200d0\u00ad1\u2028\u2060\ufeff\u{e0041}0\u200c0';
    expect(visible(spoof)).toBe('+1415\\u200b555\\u200d0\\xad1\\u2028\\u2060\\ufeff\\u{e0041}0\\u200c0');
    expect(visibleBlock(`a\n${spoof}`)).toBe(`a\n${visible(spoof)}`);
    expect(visible('\u0301\u0301Jose\u0301')).toBe('\\u0301\\u0301Jose\u0301');
    // Text, not a spoof: a ZWJ emoji sequence, a ZWNJ inside a Persian word, a subdivision flag.
    for (const text of [
      '👨\u200d👩\u200d👧',
      '👩🏽\u200d💻',
      'می\u200cخواهم',
      '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
      // Bengali ra, ZWJ, virama, ya (the joiner before a sign); Malayalam's older chillu (a joiner ending a word).
      '\u09b0\u200d\u09cd\u09af\u09be\u09ac',
      '\u0d05\u0d35\u0d28\u0d4d\u200d \u0d35\u0d28\u0d4d\u200d',
    ]) {
      expect(visible(text), text).toBe(text);
      expect(safeJson(text), text).toBe(JSON.stringify(text));
    }
    // Still a spoof: a joiner after a digit with a mark, or after an emoji with nothing to join.
    expect(visible('+1\u0301\u200d5')).toBe('+1\u0301\\u200d5');
    expect(visible('\u2764\ufe0f\u200d')).toBe('\u2764\ufe0f\\u200d');
    // A halfwidth Hangul filler is drawn one column wide, counted as none; format controls past the BMP show nothing.
    expect(visible('+1\uffa0\u{1bca0}\u{1d173}5')).toBe('+1\\uffa0\\u{1bca0}\\u{1d173}5');
    expect(JSON.parse(safeJson('\uffa0\u{1d173}'))).toBe('\uffa0\u{1d173}');
    expect(safeJson('\uffa0\u{1d173}')).toBe('"\\uffa0\\ud834\\udd73"');
    const json = safeJson({ from: spoof });
    expect(json).toContain('+1415\\u200b555');
    expect(json).toContain('\\u00ad1\\u2028\\u2060\\ufeff\\udb40\\udc410\\u200c0');
    expect(JSON.parse(json)).toEqual({ from: spoof });
  });

  it('writes JSON that reads back the raw value, with no control character left raw', () => {
    const text = safeJson({ v: hostile });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(text)).toEqual({ v: hostile });
  });
});

describe('tables on a narrow terminal', () => {
  const header = ['SID', 'FROM', 'TO', 'STATUS', 'DIRECTION'];
  const rows = [
    ['3f2a6c1e-0000-4000-8000-000000000001', '+14155550100', '+13105550100', 'in-progress', 'outbound'],
  ];

  it('drops columns in the given order until the table fits, then cuts the last with an ellipsis', () => {
    const fits = (width: number) => renderTable(header, rows, paint(false), { width, dropOrder: [4, 1, 2] });
    expect(fits(200).split('\n')[0]).toMatch(/^SID\s+FROM\s+TO\s+STATUS\s+DIRECTION$/);
    expect(fits(80).split('\n')[0]).toMatch(/^SID\s+FROM\s+TO\s+STATUS$/);
    expect(fits(70).split('\n')[0]).toMatch(/^SID\s+TO\s+STATUS$/);
    expect(fits(44).split('\n')).toEqual([
      'SID                                   STATUS',
      `${rows[0]![0]}  in-pr…`,
    ]);
    for (const width of [40, 44, 60, 80])
      for (const line of fits(width).split('\n')) expect(line.length).toBeLessThanOrEqual(width);
  });

  it('shows a cell that is not the string its type says (a number, null from outside) instead of failing', () => {
    const rows = [['x', 42, null]] as unknown as string[][];
    expect(renderTable(['A', 'B', 'C'], rows, paint(false))).toBe('A  B   C\nx  42');
  });

  it('cuts a word with a joiner (Persian ZWNJ) so that the line as written keeps its columns', () => {
    // A cut right after the joiner would leave it with nothing to join: the line's last escape pass would then
    // write it as `\u200c`, six columns the padding did not count.
    const table = renderTable(
      ['NAME', 'V'],
      [
        ['\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645', 'x'],
        ['abcdefgh', 'y'],
      ],
      paint(false),
      {
        width: 40,
        dropOrder: [],
        maxCell: 3,
      },
    );
    expect(visibleBlock(table)).toBe(table);
    const at = table.split('\n').map((line) => stringWidth(line.slice(0, line.search(/[Vxy]$/))));
    expect(new Set(at).size, table).toBe(1);
  });

  it('escapes control characters in every cell', () => {
    expect(renderTable(['A'], [['x\u001b[2Jy']], paint(false))).toBe('A\nx\\x1b[2Jy');
  });

  const sid = (n: number) => `3f2a6c1e-0000-4000-8000-00000000000${n}`;
  const wide = [
    [
      sid(1),
      '+14155550100',
      '北京市朝阳区的呼叫者名字非常长',
      'in-progress',
      'outbound',
      '2026-12-06 15:14:48Z',
      '1m 33s+',
      'compat',
    ],
    [
      sid(2),
      '👨‍👩‍👧‍👦🔥📞😀',
      '+13105550002',
      'in-progress',
      'outbound',
      '2026-12-06 15:14:48Z',
      '1m 33s+',
      'compat',
    ],
    [sid(3), '+14155550100', '+13105550003', 'ringing', 'inbound', '2026-12-06 15:14:48Z', '-', 'native'],
  ];
  const layoutOf = (width: number) => ({ width, dropOrder: CALL_DROP_ORDER, maxCell: CALL_MAX_CELL });

  it('measures CJK and emoji in terminal columns: every line fits, and the columns after them stay aligned', () => {
    // From 49 columns SID and STATUS fit side by side (narrower: each call is stacked, cli-narrow-table.test.ts).
    for (const width of [49, 80, 120, 200]) {
      const lines = renderTable(CALL_COLUMNS, wide, paint(false), layoutOf(width)).split('\n');
      for (const line of lines) expect(stringWidth(line), `${width}: ${line}`).toBeLessThanOrEqual(width);
      // STATUS starts at the same terminal column on every line.
      const at = lines.map((line) => stringWidth(line.slice(0, line.search(/STATUS|in-progress|ringing/))));
      expect(new Set(at).size, `${width}:\n${lines.join('\n')}`).toBe(1);
    }
  });

  it('cuts a very long cell from outside at the cell limit, so its column is not dropped from every row', () => {
    const rows = [
      ...wide,
      [sid(4), '+14155550100', 'A'.repeat(5000), 'in-progress', 'outbound', '-', '-', 'compat'],
    ];
    const lines = renderTable(CALL_COLUMNS, rows, paint(false), layoutOf(160)).split('\n');
    expect(lines[0]).toMatch(/^SID\s+FROM\s+TO\s+STATUS/);
    expect(lines[4]).toContain(`${'A'.repeat(CALL_MAX_CELL - 1)}…  in-progress`);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(160);
    // A pipe (no width) keeps every value whole.
    expect(
      renderTable(CALL_COLUMNS, rows, paint(false), {
        width: undefined,
        dropOrder: CALL_DROP_ORDER,
        maxCell: CALL_MAX_CELL,
      }),
    ).toContain('A'.repeat(5000));
  });

  it('cuts between graphemes, never inside an emoji sequence or a surrogate pair', () => {
    const family = '👨‍👩‍👧‍👦';
    const text = renderTable(['SID', 'FROM'], [[sid(1), family.repeat(30)]], paint(false), {
      width: 47,
      dropOrder: [],
    });
    const cell = text.split('\n')[1]!.slice(sid(1).length + 2);
    expect(cell).toBe(`${family.repeat(4)}…`);
    expect(stringWidth(cell)).toBeLessThanOrEqual(9);
  });
});
