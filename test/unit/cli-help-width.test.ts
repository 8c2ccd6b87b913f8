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
