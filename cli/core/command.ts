import { EXIT, type Hint } from './errors.ts';
import { helpColumns, helpParagraphs, helpWidth, wrap } from './help-width.ts';
import {
  GLOBAL_OPTIONS,
  type GlobalOptions,
  type OptionSpec,
  type OptionSpecs,
  type OutputFormat,
  type ValuesOf,
} from './options.ts';
import { safeJson, visibleBlock } from './safe-text.ts';
import { colourEnabled, type Paint, paint, writeQuietly } from './terminal.ts';

export type { OptionSpec, OutputFormat } from './options.ts';

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  /** `calls list`, `end-all`, ... */
  name: string;
  summary: string;
  /** Arguments after the name: `<sid>...`. */
  args?: string;
  /** Positional arguments accepted. */
  positionals: { min: number; max: number };
  /**
   * Paragraphs after the usage line, each written as one line whatever its length: `--help` wraps them to the
   * terminal. A line break inside a paragraph is kept (a list: one line per item); see {@link helpParagraphs}.
   */
  description?: readonly string[];
  options: O;
  examples: string[];
}

/** What a command runs with: its own options typed by its spec, the target, the output. */
export interface CommandContext<O extends OptionSpecs = OptionSpecs> {
  values: ValuesOf<O>;
  positionals: string[];
  globals: GlobalOptions;
  output: OutputFormat;
  yes: boolean;
  /** Styles for stdout and stderr (plain unless a TTY without NO_COLOR, or FORCE_COLOR). */
  style: Paint;
  errStyle: Paint;
  /** A suggested `call-control …` command line for a hint, with this run's target options. */
  command(args: string): string;
  /** Writes a line to stdout, control characters from outside escaped. */
  print(text: string): void;
  /** Writes a line to stderr (progress, previews, notes), control characters from outside escaped. */
  note(text: string): void;
}

/** What every command gets from the command line, whichever its options. */
export type BaseContext = Omit<CommandContext, 'values'>;

export interface CommandModule {
  spec: CommandSpec;
  run(values: Record<string, unknown>, context: BaseContext): Promise<number>;
}

/**
 * A command: its spec (options as a literal, so their values are typed) and what it does. The parse
 * checked every option against the spec, so the values are of the spec's types.
 */
export const defineCommand = <const O extends OptionSpecs>(
  spec: CommandSpec<O>,
  run: (context: CommandContext<O>) => Promise<number>,
): CommandModule => ({
  spec,
  run: (values, context) => run({ ...context, values: values as ValuesOf<O> }),
});

const optionLine = (name: string, option: OptionSpec): [string, string] => [
  `${option.short ? `-${option.short}, ` : '    '}--${name}${option.value ? ` <${option.value}>` : ''}`,
  option.description,
];

/**
 * A command's usage line, in the convention of every usage line of `call-control` (man pages' synopsis, as POSIX
 * utility syntax writes it): words typed as they are, `<name>` for a value you give, `[options]` for the options,
 * `...` after what may be repeated, `(a | b)` for one of two. Only usage lines hold `<…>`: a line meant to be copied
 * (an example, a hint's line to type) never does.
 */
export const usageLine = (spec: Pick<CommandSpec, 'name' | 'args'>): string =>
  `call-control ${spec.name}${spec.args ? ` ${spec.args}` : ''} [options]`;

/**
 * A command's `--help`, its prose and option descriptions wrapped to `width` (the terminal's; none on a pipe);
 * examples stay one line each, to be copied whole.
 */
export const commandHelp = (spec: CommandSpec, style: Paint, width = helpWidth()): string => {
  const prose = (text: string) =>
    text
      .split('\n')
      .map((line) => wrap(line, width))
      .join('\n');
  const columns = (rows: Array<[string, string]>) => helpColumns(rows, width);
  const own = Object.entries(spec.options).map(([name, option]) => optionLine(name, option));
  const global = Object.entries(GLOBAL_OPTIONS).map(([name, option]) => optionLine(name, option));
  return [
    `${style.bold('Usage:')} ${usageLine(spec)}`,
    '',
    prose(spec.summary),
    ...(spec.description ? ['', helpParagraphs(spec.description, width)] : []),
    ...(own.length > 0 ? ['', style.bold('Options:'), columns(own)] : []),
    '',
    style.bold(prose('Targets and output (before or after the command):')),
    columns(global),
    '',
    style.bold('Examples:'),
    ...spec.examples.map((example) => `  ${example}`),
    '',
    prose(
      `Exit codes: ${EXIT.ok} ok, ${EXIT.failed} failed, ${EXIT.usage} usage error, ${EXIT.partial} partly or maybe done, ${EXIT.cancelled} cancelled (nothing changed).`,
    ),
  ].join('\n');
};

export const styles = (noColor: boolean) => ({
  style: paint(colourEnabled(process.stdout, noColor)),
  errStyle: paint(colourEnabled(process.stderr, noColor)),
});

/** Writers of stdout and stderr that escape control characters from outside (see safe-text.ts). */
/**
 * What happens to stdout when its reader goes away (`| head -1`) or it cannot be written (a full disk). Reading
 * commands just stop. Once a command acts on calls ({@link holdOutput}), it goes on with what it was asked to
 * do and exits with its own code: a pipe closed by `head` must not leave half of a batch unsent and report 0.
 */
const stdoutState = { acting: false, gone: false };

/** From now on, a closed stdout does not stop the command (it is acting on calls). */
export const holdOutput = (): void => {
  stdoutState.acting = true;
};

/** The handler of stdout's `error` event (call-control.ts installs it). */
export const onStdoutError = (error: NodeJS.ErrnoException): void => {
  stdoutState.gone = true;
  if (stdoutState.acting) return;
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`error: cannot write the output (${error.code ?? error.message})\n`);
  process.exit(1);
};

/**
 * The handler of stderr's `error` event (call-control.ts installs it): a terminal that hung up (EIO, after
 * SIGHUP) or a closed pipe (EPIPE) is no reason to die mid-batch; notes are dropped from then on.
 */
export const onStderrError = (): void => {
  stderrState.gone = true;
};

const stderrState = { gone: false };

export const writers = {
  print: (text: string) => {
    if (!stdoutState.gone) writeQuietly(process.stdout, `${visibleBlock(text)}\n`);
  },
  note: (text: string) => {
    if (!stderrState.gone) writeQuietly(process.stderr, `${visibleBlock(text)}\n`);
  },
};

/** Prints values as JSON (`json`: one document; `ndjson`: one line per item). */
export const printJson = (
  context: Pick<CommandContext, 'output' | 'print'>,
  value: unknown,
  items?: unknown[],
): void => {
  if (context.output === 'ndjson' && items) {
    for (const item of items) context.print(safeJson(item));
    return;
  }
  context.print(safeJson(value, 2));
};

/** The error object `-o json` / `-o ndjson` print on stdout when a command fails. */
export const errorDocument = (error: { code: string; message: string }, hint: string | undefined) => ({
  error: { code: error.code, message: error.message, ...(hint ? { hint } : {}) },
});

export type { Hint };
