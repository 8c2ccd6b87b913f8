/**
 * The command line's vocabulary: the shape of an option, the options every command takes (accepted before
 * or after the command), and the typed values a parse yields. Kept free of heavy imports: `--help` loads it.
 */

import { DEFAULT_STACK_NAME, ENV } from '#commons/platform/settings';
import { editDistance } from './edit-distance.ts';

/** One option of a command, for `util.parseArgs` and for `--help`. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder in help: `--url <url>`. */
  readonly value?: string;
  readonly description: string;
  /**
   * A word of a fixed set, read in any case and with spaces around it ignored (`--status IN-PROGRESS`): given twice
   * as `queued` and `QUEUED`, it was given once. @default false: two spellings are two values
   */
  readonly caseless?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['multiple'] extends true
    ? string[]
    : string;

/** What a parse yields for `O`: each option's value, typed by its spec, absent when not given. */
export type ValuesOf<O extends OptionSpecs> = { -readonly [K in keyof O]?: ValueOf<O[K]> };

/** Options every command takes, before or after the command's name. */
export const GLOBAL_OPTIONS = {
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
  output: {
    type: 'string',
    short: 'o',
    value: 'format',
    caseless: true,
    description: 'table (default), json or ndjson.',
  },
  yes: { type: 'boolean', short: 'y', description: 'Do not ask for confirmation (scripts).' },
  'no-color': {
    type: 'boolean',
    description: 'No colour (also NO_COLOR=1, or off a terminal unless FORCE_COLOR=1), over FORCE_COLOR.',
  },
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
} as const satisfies OptionSpecs;

export type GlobalValues = ValuesOf<typeof GLOBAL_OPTIONS>;

/** The options that say where a command acts: repeated in the commands a hint suggests. */
export const TARGET_OPTIONS = [
  'local',
  'direct',
  'port',
  'stack',
  'construct',
  'profile',
  'region',
  'secret-id',
] as const satisfies ReadonlyArray<keyof typeof GLOBAL_OPTIONS>;

export const OUTPUT_FORMATS = ['table', 'json', 'ndjson'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `-o` as typed, in any case (`-o JSON`, as `--status IN-PROGRESS`); undefined when it is no format. */
export const outputFormatOf = (value: string | undefined): OutputFormat | undefined => {
  const word = value?.trim().toLowerCase();
  return (OUTPUT_FORMATS as readonly (string | undefined)[]).includes(word)
    ? (word as OutputFormat)
    : undefined;
};

/** The `-o` of a command line, as far as it can be read before the command is known (for error output). */
export const outputOf = (argv: string[]): OutputFormat => {
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (token === '--') break;
    const value =
      token === '-o' || token === '--output'
        ? argv[index + 1]
        : token.startsWith('--output=')
          ? token.slice(9)
          : token.startsWith('-o') && token.length > 2 && !token.startsWith('--')
            ? token.slice(2).replace(/^=/, '')
            : undefined;
    const format = outputFormatOf(value);
    if (format) return format;
  }
  return 'table';
};

/** Options every command takes: where to act, and as whom. */
export interface GlobalOptions {
  local: boolean;
  direct: boolean;
  /** CloudFormation stack name (deployed mode). */
  stack: string;
  /** Path of the CallControl construct, when the stack holds several (deployed mode). */
  construct: string | undefined;
  profile: string | undefined;
  region: string | undefined;
  /** Port of the local stack (`--local`). */
  port: number;
  /** `--port` was given on the command line (not taken from PORT or the default). */
  portGiven?: boolean;
  /** The SignalWire secret's name or ARN (`--direct`). */
  secretId: string;
}

/** Environment variables the CLI reads (one home for their names; the functions' own from their settings). */
export const CLI_ENV = {
  stack: 'CALL_CONTROL_STACK',
  port: 'PORT',
  secretId: ENV.signalWireSecretId,
  localSpaceOrigin: ENV.signalWireLocalSpaceOrigin,
  localStateDir: 'CALL_CONTROL_LOCAL_STATE_DIR',
  auditLog: 'CALL_CONTROL_AUDIT_LOG',
} as const;

export const DEFAULT_STACK = DEFAULT_STACK_NAME;
export const DEFAULT_SECRET_ID = 'signalwire/call-control';

/** The option of `specs` that `token` names as a whole word (`--actor`, `-o`; not `--to=x` nor `-ojson`). */
const wholeOption = (token: string, specs: OptionSpecs): OptionSpec | undefined => {
  if (token.includes('=')) return undefined;
  const long = /^--(.+)$/s.exec(token)?.[1];
  return long ? specs[long] : Object.values(specs).find((each) => `-${each.short}` === token);
};

/** Whether `token` is an option of `specs` that takes its value from the next word: `--actor`, `-o`; not `--to=x`. */
export const takesValue = (token: string, specs: OptionSpecs): boolean =>
  wholeOption(token, specs)?.type === 'string';

/** Whether `token` is a flag of `specs`, which takes no value (`--local`, `-y`). */
export const isFlag = (token: string, specs: OptionSpecs): boolean =>
  wholeOption(token, specs)?.type === 'boolean';

/**
 * The "nearest valid spelling" of `typed` among `candidates`: within one edit for a short word (three letters or
 * fewer), two for a longer one, or a prefix of three letters or more. An edit is a letter added, dropped or changed,
 * or two neighbours swapped (`--yse` is one edit from `--yes`, `lsit` from `list`). Case is no edit: every name is
 * lower case, and `END-ALL` or `calls LIST` (caps lock on) means the name.
 */
export const nearest = (written: string, candidates: readonly string[]): string | undefined => {
  const typed = written.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    // A length more than two apart is more than two edits apart, too far to name: not measured, so that a word of
    // 100 KB (a file pasted as an argument) costs no table of its length by each name's.
    const distance =
      name.startsWith(typed) && typed.length >= 3
        ? 1
        : Math.abs(typed.length - name.length) > 2
          ? Number.POSITIVE_INFINITY
          : editDistance(typed, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= (typed.length <= 3 ? 1 : 2) ? best.name : undefined;
};
