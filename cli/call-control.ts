#!/usr/bin/env node
import { checkChoice } from './core/choice.ts';
/**
 * `call-control`: the operator CLI. This file stays small and imports nothing heavy: `--help` must start
 * fast, so each command's module (and through it the AWS SDK, the SignalWire client, the cleanup engine)
 * is loaded only when that command runs.
 */
import {
  type BaseContext,
  commandHelp,
  errorDocument,
  onStderrError,
  onStdoutError,
  printJson,
  styles,
  writers,
} from './core/command.ts';
import { CliError, EXIT, hintText, UsageError } from './core/errors.ts';
import {
  CLI_ENV,
  DEFAULT_SECRET_ID,
  DEFAULT_STACK,
  type GlobalOptions,
  type GlobalValues,
  OUTPUT_FORMATS,
  outputFormatOf,
  TARGET_OPTIONS,
} from './core/options.ts';
import { type CommandEntry, outputOf, parseCommandLine } from './core/parse.ts';
import { keepLoopbackDirect, useEnvironmentProxy } from './core/proxy.ts';
import { visible } from './core/safe-text.ts';

const COMMANDS: Record<string, CommandEntry> = {
  'calls list': {
    summary: 'List calls of both kinds (KIND compat or native), with filters.',
    load: () => import('./commands/calls-list.ts').then((module) => module.command),
  },
  'calls get': {
    summary: 'Show one call of either kind.',
    load: () => import('./commands/calls-get.ts').then((module) => module.command),
  },
  'calls end': {
    summary: 'End calls of either kind now (idempotent).',
    load: () => import('./commands/calls-end.ts').then((module) => module.command),
  },
  'calls redirect': {
    summary: 'Point a live call at new instructions (cXML, or SWML for a native call).',
    load: () => import('./commands/calls-redirect.ts').then((module) => module.command),
  },
  'calls update': {
    summary: 'Update any of the seven fields of a call.',
    load: () => import('./commands/calls-update.ts').then((module) => module.command),
  },
  'calls transfer': {
    summary: 'Transfer a native call to a SIP URI, number or SWML URL.',
    load: () => import('./commands/calls-transfer.ts').then((module) => module.command),
  },
  'end-all': {
    summary:
      'Kill switch: end (or cancel) every live or queued call of both kinds matching filters, after a preview.',
    load: () => import('./commands/end-all.ts').then((module) => module.command),
  },
  cleanup: {
    summary: 'Run the stale-call cleanup policy (dry run or apply).',
    load: () => import('./commands/cleanup.ts').then((module) => module.command),
  },
  audit: {
    summary: 'Who did what to a call: audit records, newest first.',
    load: () => import('./commands/audit.ts').then((module) => module.command),
  },
  doctor: {
    summary: 'Check the setup: secret, SignalWire host, token, signing key, stack, clock.',
    load: () => import('./commands/doctor.ts').then((module) => module.command),
  },
};

const mainHelp = (style: ReturnType<typeof styles>['style']): string => {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    `${style.bold('Usage:')} call-control <command> [options]`,
    '',
    'End, redirect and clean up live SignalWire calls through the call-control stack.',
    'Targets: the deployed stack (default; SigV4 with your AWS credentials), --local (npm start), --direct (SignalWire).',
    'Calls of both kinds: Compatibility (cXML) and native (SWML, RELAY, AI agents); --api compatibility|calling names one.',
    '',
    style.bold('Commands:'),
    ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    style.bold('Examples:'),
    '  call-control calls list --status in-progress',
    '  call-control calls end 3f2a...  --yes',
    '  call-control end-all --to +13105550100 --dry-run',
    '  call-control calls transfer 7c41d2b0-... --to sip:agent@example.com',
    '  call-control audit --call 3f2a...',
    '  call-control doctor --direct',
    '',
    'Global options (--local, --direct, --stack, --profile, --region, --port, -o, --yes, --no-color) go before or after the command.',
    'Run `call-control <command> --help` for its options, `call-control --version` for the version. Exit codes: 0 ok, 1 failed, 2 usage, 3 partly or maybe done, 130 cancelled (nothing changed).',
  ].join('\n');
};

const callsHelp = (style: ReturnType<typeof styles>['style']): string => {
  const calls = Object.entries(COMMANDS).filter(([name]) => name.startsWith('calls '));
  const width = Math.max(...calls.map(([name]) => name.length));
  return [
    `${style.bold('Usage:')} call-control calls <subcommand> [options]`,
    '',
    style.bold('Subcommands:'),
    ...calls.map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    'Run `call-control calls <subcommand> --help` for its options.',
  ].join('\n');
};

/** The installed package's version: the nearest package.json of this package above this file. */
const packageVersion = async (): Promise<string> => {
  const [{ existsSync, readFileSync }, { dirname, join }, { fileURLToPath }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('node:url'),
  ]);
  // From cli/ (source) or dist/cli/ (bundle): at most a few levels up.
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < 4; level++) {
    const file = join(directory, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'signalwire-call-control' && manifest.version) return manifest.version;
    }
    directory = dirname(directory);
  }
  return 'unknown';
};

const globalsOf = (values: GlobalValues): GlobalOptions => {
  const port = Number(values.port ?? process.env[CLI_ENV.port] ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`--port must be a port number, got "${values.port}"`);
  return {
    local: values.local === true,
    direct: values.direct === true,
    stack: values.stack ?? process.env[CLI_ENV.stack] ?? DEFAULT_STACK,
    construct: values.construct,
    profile: values.profile,
    region: values.region,
    port,
    portGiven: values.port !== undefined,
    secretId: values['secret-id'] ?? process.env[CLI_ENV.secretId] ?? DEFAULT_SECRET_ID,
  };
};

const shellWord = (word: string): string =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;

/** A suggested command line with this run's target options (`--local`, `--port 3001`, `--stack X`, …). */
const commandWith =
  (values: GlobalValues | undefined) =>
  (args: string): string => {
    const target = TARGET_OPTIONS.flatMap((name) => {
      const value = values?.[name];
      if (value === true) return [`--${name}`];
      return typeof value === 'string' ? [`--${name} ${shellWord(value)}`] : [];
    });
    return ['call-control', args, ...target].join(' ');
  };

let parsedValues: GlobalValues | undefined;

const run = async (
  argv: string[],
  style: BaseContext['style'],
  errStyle: BaseContext['errStyle'],
): Promise<number> => {
  const line = await parseCommandLine(argv, COMMANDS);
  if (line.kind === 'version') {
    process.stdout.write(`call-control ${await packageVersion()}\n`);
    return EXIT.ok;
  }
  if (line.kind === 'help') {
    const text =
      line.topic === 'calls'
        ? callsHelp(line.asked ? style : errStyle)
        : mainHelp(line.asked ? style : errStyle);
    (line.asked ? process.stdout : process.stderr).write(`${text}\n`);
    return line.asked ? EXIT.ok : EXIT.usage;
  }
  const { module, name, positionals } = line;
  const values = line.values as GlobalValues;
  parsedValues = values;
  if (values.help) {
    process.stdout.write(`${commandHelp(module.spec, style)}\n`);
    return EXIT.ok;
  }
  const { min, max } = module.spec.positionals;
  if (positionals.length < min || positionals.length > max) {
    throw new UsageError(
      positionals.length < min
        ? `missing ${module.spec.args ?? 'argument'}`
        : `unexpected argument "${positionals[max]}"`,
      `Usage: call-control ${name}${module.spec.args ? ` ${module.spec.args}` : ''} [options]; see --help.`,
    );
  }
  const output = values.output === undefined ? 'table' : checkChoice(values.output, '-o', OUTPUT_FORMATS);
  // Behind a corporate proxy, as the AWS CLI does; never for the local stack on loopback.
  if (values.local !== true) await useEnvironmentProxy(writers.note);
  else await keepLoopbackDirect();
  return module.run(line.values, {
    positionals,
    globals: globalsOf(values),
    output,
    yes: values.yes === true,
    style,
    errStyle,
    command: commandWith(values),
    ...writers,
  });
};

const main = async (argv: string[]): Promise<number> => {
  // The AWS SDK warns on Node.js 20 about its future releases; an operator running a command cannot act on it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { style, errStyle } = styles(argv.includes('--no-color'));
  try {
    return await run(argv, style, errStyle);
  } catch (error) {
    // The parsed -o when it is valid; otherwise what can be read of it (a parse that failed, or `-o xml`).
    const parsed = parsedValues?.output;
    const output = outputFormatOf(parsed) ?? outputOf(argv);
    const known = error instanceof CliError;
    const hint = known
      ? hintText(error.hint, commandWith(parsedValues))
      : 'Run it again; if it persists, report it with the command line (no secrets are printed).';
    const described = known
      ? { code: error.code, message: error.message }
      : {
          code: 'UNEXPECTED',
          message: `unexpected failure: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        };
    // Every output mode carries the error: a script reading stdout (`| jq`) sees it as JSON.
    if (output !== 'table')
      printJson({ output, print: writers.print }, errorDocument(described, hint), [
        errorDocument(described, hint),
      ]);
    process.stderr.write(
      `${errStyle.red('error:')} ${visible(described.message)}\n${hint ? `${errStyle.dim('next:')}  ${visible(hint)}\n` : ''}`,
    );
    return known ? error.exitCode : EXIT.failed;
  }
};

// `call-control calls list | head`: the reader went away, which is not a failure of the command (see
// onStdoutError for a command acting on calls, and for a stdout that cannot be written at all).
process.stdout.on('error', onStdoutError);
// A terminal lost with its SSH session (EIO) or a closed stderr pipe: notes go nowhere, the command goes on.
process.stderr.on('error', onStderrError);

process.exitCode = await main(process.argv.slice(2));
