import { EXIT } from './errors.ts';
import type { GlobalOptions } from './target.ts';
import { colourEnabled, type Paint, paint } from './terminal.ts';

/** One option of a command, for `util.parseArgs` and for `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder in help: `--url <url>`. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  /** `calls list`, `end-all`, ... */
  name: string;
  summary: string;
  /** Arguments after the name: `<sid>...`. */
  args?: string;
  /** Positional arguments accepted. */
  positionals: { min: number; max: number };
  /** Paragraphs after the usage line. */
  description?: string;
  options: Record<string, OptionSpec>;
  examples: string[];
}

export type OutputFormat = 'table' | 'json' | 'ndjson';
export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command runs with. */
export interface CommandContext {
  values: Values;
  positionals: string[];
  globals: GlobalOptions;
  output: OutputFormat;
  yes: boolean;
  /** Styles for stdout and stderr (plain unless a TTY without NO_COLOR). */
  style: Paint;
  errStyle: Paint;
  /** Writes a line to stdout. */
  print(text: string): void;
  /** Writes a line to stderr (progress, previews, notes). */
  note(text: string): void;
}

export interface CommandModule {
  spec: CommandSpec;
  run(context: CommandContext): Promise<number>;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  local: { type: 'boolean', description: 'Target the local stack of `npm start` (http://localhost:$PORT).' },
  direct: {
    type: 'boolean',
    description: 'Talk to SignalWire directly with the secret from Secrets Manager (API down, not deployed).',
  },
  stack: {
    type: 'string',
    value: 'name',
    description: 'CloudFormation stack to target. [env CALL_CONTROL_STACK, default SignalWireCallControl]',
  },
  construct: {
    type: 'string',
    value: 'path',
    description:
      'Path of the CallControl construct, when the stack holds several (e.g. TelephonyStack/Calls).',
  },
  profile: { type: 'string', value: 'name', description: 'AWS profile. [env AWS_PROFILE]' },
  region: { type: 'string', value: 'region', description: 'AWS region. [env AWS_REGION, or the profile’s]' },
  port: { type: 'string', value: 'n', description: 'Port of the local stack. [env PORT, default 3000]' },
  'secret-id': {
    type: 'string',
    value: 'id',
    description:
      'SignalWire secret for --direct. [env SIGNALWIRE_SECRET_ID, default signalwire/call-control]',
  },
  output: { type: 'string', short: 'o', value: 'format', description: 'table (default), json or ndjson.' },
  yes: { type: 'boolean', short: 'y', description: 'Do not ask for confirmation (scripts).' },
  'no-color': { type: 'boolean', description: 'No colour (also NO_COLOR=1, or when not on a terminal).' },
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
};

const optionLine = (name: string, option: OptionSpec): [string, string] => [
  `${option.short ? `-${option.short}, ` : '    '}--${name}${option.value ? ` <${option.value}>` : ''}`,
  option.description,
];

const columns = (rows: Array<[string, string]>): string => {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
};

export const commandHelp = (spec: CommandSpec, style: Paint): string => {
  const own = Object.entries(spec.options).map(([name, option]) => optionLine(name, option));
  const global = Object.entries(GLOBAL_OPTIONS).map(([name, option]) => optionLine(name, option));
  return [
    `${style.bold('Usage:')} call-control ${spec.name}${spec.args ? ` ${spec.args}` : ''} [options]`,
    '',
    spec.summary,
    ...(spec.description ? ['', spec.description] : []),
    ...(own.length > 0 ? ['', style.bold('Options:'), columns(own)] : []),
    '',
    style.bold('Targets and output:'),
    columns(global),
    '',
    style.bold('Examples:'),
    ...spec.examples.map((example) => `  ${example}`),
    '',
    `Exit codes: ${EXIT.ok} ok, ${EXIT.failed} failed, ${EXIT.usage} usage error, ${EXIT.partial} partly done.`,
  ].join('\n');
};

export const styles = (noColor: boolean) => ({
  style: paint(colourEnabled(process.stdout, noColor)),
  errStyle: paint(colourEnabled(process.stderr, noColor)),
});

/** Prints values as JSON (`json`: one document; `ndjson`: one line per item). */
export const printJson = (context: CommandContext, value: unknown, items?: unknown[]): void => {
  if (context.output === 'ndjson' && items) {
    for (const item of items) context.print(JSON.stringify(item));
    return;
  }
  context.print(JSON.stringify(value, null, 2));
};
