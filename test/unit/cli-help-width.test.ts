import { describe, expect, it } from 'vitest';
import { commandHelp } from '../../cli/core/command.ts';
import { GLOBAL_OPTIONS, type OptionSpec } from '../../cli/core/options.ts';
import { paint } from '../../cli/core/terminal.ts';
import { COMMANDS, callsHelp, mainHelp } from '../../cli/registry.ts';

const style = paint(false);
/**
 * Lines that may run past the edge: the usage line, an example (copied whole), an option's name with its value
 * (`--status-callback-method <GET|POST>` on its own line), or one word too long to break.
 */
const mayOverflow = (line: string) =>
  line.startsWith('Usage:') ||
  line.startsWith('  call-control ') ||
  /^ +(?:-\w, )?--[\w-]+(?: <[^>]+>)?$/.test(line) ||
  !line.trim().includes(' ');

const helps = async (width: number | undefined): Promise<Array<[string, string]>> => [
  ['--help', mainHelp(style, width)],
  ['calls', callsHelp(style, width)],
  ...(await Promise.all(
    Object.entries(COMMANDS).map(
      async ([name, entry]): Promise<[string, string]> => [
        name,
        commandHelp((await entry.load()).spec, style, width),
      ],
    ),
  )),
];

describe('--help on a narrow terminal', () => {
  it.each([40, 60])(
    'fits %i columns: prose and descriptions wrap between words, examples stay whole',
    async (width) => {
      for (const [name, text] of await helps(width)) {
        const over = text.split('\n').filter((line) => line.length > width && !mayOverflow(line));
        expect(over, `${name} at ${width}`).toEqual([]);
      }
    },
  );

  it('puts a description under its option when beside it would leave it under 24 columns, indented', async () => {
    const text = commandHelp((await COMMANDS['calls list']!.load()).spec, style, 40);
    const lines = text.split('\n');
    const at = lines.indexOf('      --status <status>');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {10}queued, ringing, in-progress,/);
  });

  it('indents a description under its name deeper than any option starts, so a wrapped `--direct.` is no option', async () => {
    for (const width of [20, 30, 40]) {
      const lines = commandHelp((await COMMANDS['calls get']!.load()).spec, style, width).split('\n');
      // Each line at the options' own column is one of the options, never a piece of a description.
      const names = new Set(
        [
          ...Object.entries((await COMMANDS['calls get']!.load()).spec.options),
          ...Object.entries(GLOBAL_OPTIONS),
        ].map(
          ([name, option]: [string, OptionSpec]) => `--${name}${option.value ? ` <${option.value}>` : ''}`,
        ),
      );
      for (const line of lines.filter((text) => /^ {6}\S/.test(text)))
        expect(names, `${width}: ${line}`).toContain(line.trim());
      expect(lines, String(width)).toContain('      --direct');
    }
  });

  it('keeps every description on its option’s line on a pipe (no width), for a script that greps it', async () => {
    const text = commandHelp((await COMMANDS['calls list']!.load()).spec, style, undefined);
    expect(text).toMatch(
      /^ {6}--status <status> +queued, ringing, in-progress, completed, busy, failed, no-answer or canceled\.$/m,
    );
    expect(mainHelp(style, undefined)).toContain(
      'Calls of both kinds: Compatibility (cXML) and native (SWML, RELAY, AI agents); --api compatibility|calling names one.',
    );
  });
});

/**
 * The lines of a command's help between its summary and its options: the description, wrapped. A break there
 * is either forced (the next word would not fit) or deliberate: a sentence ends and an item starts (`Deployed:`,
 * `--local:`), or a blank line parts two paragraphs.
 */
const descriptionLines = (text: string): string[] => {
  const lines = text.split('\n');
  const end = lines.findIndex((line) => line === 'Options:' || line.startsWith('Targets and output'));
  const start = lines.indexOf('', 2);
  return lines.slice(start + 1, end - 1);
};
const firstWord = (line: string) => line.trim().split(' ')[0]!;
const deliberate = (line: string, next: string) =>
  line === '' || next === '' || (/[.:;)]$/.test(line) && /^[A-Z`-]/.test(next));

describe('--help descriptions at any width from 40 to 100 columns', () => {
  it('wrap as paragraphs: no line ends where the next word would have fit, save at a deliberate break', async () => {
    const ragged: string[] = [];
    for (let width = 40; width <= 100; width++) {
      for (const [name, text] of (await helps(width)).slice(2)) {
        const lines = descriptionLines(text);
        lines.forEach((line, at) => {
          const next = lines[at + 1];
          if (next === undefined || deliberate(line, next)) return;
          if (line.length + 1 + firstWord(next).length <= width) ragged.push(`${name} at ${width}: ${line}`);
        });
      }
    }
    expect(ragged).toEqual([]);
  });

  it('keeps a list’s items on lines of their own, a wrapped item hanging under its first word', async () => {
    const audit = (await COMMANDS.audit!.load()).spec;
    for (const width of [undefined, 40, 100]) {
      const lines = descriptionLines(commandHelp(audit, style, width));
      const items = lines.filter((line) => /^(Deployed|--local|--direct):/.test(line));
      expect(items.map(firstWord), String(width)).toEqual(['Deployed:', '--local:', '--direct:']);
      // Every other line of the list continues an item, two columns in.
      expect(lines.filter((line) => !items.includes(line)).every((line) => /^ {2}\S/.test(line))).toBe(true);
    }
    expect(descriptionLines(commandHelp(audit, style, 40))).toContain(
      '--direct: the records of what this CLI',
    );
  });

  it('keeps each paragraph on one line on a pipe (no width), paragraphs apart by a blank line', async () => {
    const endAll = descriptionLines(commandHelp((await COMMANDS['end-all']!.load()).spec, style, undefined));
    expect(endAll[0]).toMatch(
      /^Always lists the matching calls first \(the preview\)\. .* found exactly N\.$/,
    );
    expect(endAll[1]).toBe('');
  });
});
