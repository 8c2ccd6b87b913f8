#!/usr/bin/env node
/**
 * `call-control`: the operator CLI. This file stays small and imports nothing heavy: `--help` must start
 * fast, so each command's module (and through it the AWS SDK, the SignalWire client, the cleanup engine)
 * is loaded only when that command runs.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_STACK_NAME, ENV } from '#commons/platform/settings';
import {
  type CommandContext,
  type CommandModule,
  commandHelp,
  GLOBAL_OPTIONS,
  type OutputFormat,
  styles,
} from './core/command.ts';
import { CliError, EXIT, UsageError } from './core/errors.ts';
import type { GlobalOptions } from './core/target.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  'calls list': {
    summary: 'List calls (table, json or ndjson), with filters.',
    load: () => import('./commands/calls-list.ts'),
  },
  'calls get': { summary: 'Show one call.', load: () => import('./commands/calls-get.ts') },
  'calls end': { summary: 'End calls now (idempotent).', load: () => import('./commands/calls-end.ts') },
  'calls redirect': {
    summary: 'Point a live call at new instructions.',
    load: () => import('./commands/calls-redirect.ts'),
  },
  'calls update': {
    summary: 'Update any of the seven fields of a call.',
    load: () => import('./commands/calls-update.ts'),
  },
  'end-all': {
    summary: 'Kill switch: end every call matching filters, after a preview.',
    load: () => import('./commands/end-all.ts'),
  },
  cleanup: {
    summary: 'Run the stale-call cleanup policy (dry run or apply).',
    load: () => import('./commands/cleanup.ts'),
  },
  audit: {
    summary: 'Who did what to a call: audit records, newest first.',
    load: () => import('./commands/audit.ts'),
  },
  doctor: {
    summary: 'Check the setup: secret, SignalWire host, token, signing key, stack, clock.',
    load: () => import('./commands/doctor.ts'),
  },
};

const mainHelp = (style: ReturnType<typeof styles>['style']): string => {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    `${style.bold('Usage:')} call-control <command> [options]`,
    '',
    'End, redirect and clean up live SignalWire calls through the call-control stack.',
    'Targets: the deployed stack (default; SigV4 with your AWS credentials), --local (npm start), --direct (SignalWire).',
    '',
    style.bold('Commands:'),
    ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    style.bold('Examples:'),
    '  call-control calls list --status in-progress',
    '  call-control calls end 3f2a...  --yes',
    '  call-control end-all --to +13105550100 --dry-run',
    '  call-control audit --call 3f2a...',
    '  call-control doctor --direct',
    '',
    'Run `call-control <command> --help` for its options, `call-control --version` for the version. Exit codes: 0 ok, 1 failed, 2 usage, 3 partly done.',
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

const commandOf = (argv: string[]): { name: string | undefined; rest: string[] } => {
  const [first, second] = argv;
  if (first === 'calls') {
    if (second && COMMANDS[`calls ${second}`]) return { name: `calls ${second}`, rest: argv.slice(2) };
    return { name: second && !second.startsWith('-') ? `calls ${second}` : 'calls', rest: argv.slice(2) };
  }
  return {
    name: first && !first.startsWith('-') ? first : undefined,
    rest: first?.startsWith('-') ? argv : argv.slice(1),
  };
};

const globalsOf = (values: CommandContext['values']): GlobalOptions => {
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`--port must be a port number, got "${values.port}"`);
  return {
    local: values.local === true,
    direct: values.direct === true,
    stack: (values.stack as string | undefined) ?? process.env.CALL_CONTROL_STACK ?? DEFAULT_STACK_NAME,
    construct: values.construct as string | undefined,
    profile: values.profile as string | undefined,
    region: values.region as string | undefined,
    port,
    secretId:
      (values['secret-id'] as string | undefined) ??
      process.env[ENV.signalWireSecretId] ??
      'signalwire/call-control',
  };
};

/** The target flags of this command line (`--local`, `--port 3001`, `--stack X`, …), to repeat in hints. */
const TARGET_FLAGS = ['local', 'direct', 'port', 'stack', 'construct', 'profile', 'region', 'secret-id'];
const targetFlagsOf = (argv: string[]): string[] => {
  const flags: string[] = [];
  for (const [index, arg] of argv.entries()) {
    const [name, inline] = arg.replace(/^--/, '').split('=', 2) as [string, string | undefined];
    if (!arg.startsWith('--') || !TARGET_FLAGS.includes(name)) continue;
    if (name === 'local' || name === 'direct') flags.push(`--${name}`);
    else if (inline !== undefined) flags.push(`--${name} ${inline}`);
    else if (argv[index + 1] !== undefined) flags.push(`--${name} ${argv[index + 1]}`);
  }
  return flags;
};

/** A hint's suggested `call-control …` commands, with this command line's target flags added. */
const withTargetFlags = (hint: string, argv: string[]): string => {
  const flags = targetFlagsOf(argv);
  if (flags.length === 0) return hint;
  return hint.replace(/`call-control ([^`]*)`/g, (_, command: string) => {
    const missing = flags.filter((flag) => !command.includes(flag.split(' ')[0]!));
    return `\`call-control ${[command.trimEnd(), ...missing].join(' ')}\``;
  });
};

const main = async (argv: string[]): Promise<number> => {
  // The AWS SDK warns on Node.js 20 about its future releases; an operator running a command cannot act on it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const noColor = argv.includes('--no-color');
  const { style, errStyle } = styles(noColor);
  const { name, rest } = commandOf(argv);
  const wantsJson = /(^|\s)(-o|--output)[ =]?n?djson(\s|$)/.test(argv.join(' '));
  try {
    if (argv.includes('--version')) {
      process.stdout.write(`call-control ${await packageVersion()}\n`);
      return EXIT.ok;
    }
    if (name === 'calls') {
      const asked = argv.includes('--help') || argv.includes('-h');
      (asked ? process.stdout : process.stderr).write(`${callsHelp(asked ? style : errStyle)}\n`);
      return asked ? EXIT.ok : EXIT.usage;
    }
    if (name === undefined || name === 'help') {
      const asked = argv.includes('--help') || argv.includes('-h') || name === 'help';
      (asked ? process.stdout : process.stderr).write(`${mainHelp(asked ? style : errStyle)}\n`);
      return asked ? EXIT.ok : EXIT.usage;
    }
    const entry = COMMANDS[name];
    if (!entry) {
      throw new UsageError(
        `unknown command "${name}"`,
        name.startsWith('calls ')
          ? 'Run `call-control calls --help` for the calls subcommands.'
          : 'Run `call-control --help` for the list of commands.',
      );
    }
    const command = await entry.load();
    const options = { ...GLOBAL_OPTIONS, ...command.spec.options };
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: Object.fromEntries(
          Object.entries(options).map(([key, option]) => [
            key,
            {
              type: option.type,
              ...(option.short ? { short: option.short } : {}),
              ...(option.multiple ? { multiple: true } : {}),
            },
          ]),
        ),
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError(
        error instanceof Error ? error.message.split('\n')[0]! : String(error),
        `Run \`call-control ${name} --help\` for its options and examples.`,
      );
    }
    const values = parsed.values as CommandContext['values'];
    if (values.help) {
      process.stdout.write(`${commandHelp(command.spec, style)}\n`);
      return EXIT.ok;
    }
    const { min, max } = command.spec.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(
        parsed.positionals.length < min
          ? `missing ${command.spec.args ?? 'argument'}`
          : `unexpected argument "${parsed.positionals[max]}"`,
        `Usage: call-control ${name}${command.spec.args ? ` ${command.spec.args}` : ''} [options]; see --help.`,
      );
    }
    const output = (values.output ?? 'table') as OutputFormat;
    if (!['table', 'json', 'ndjson'].includes(output))
      throw new UsageError(`-o must be table, json or ndjson, got "${output}"`);
    const context: CommandContext = {
      values,
      positionals: parsed.positionals,
      globals: globalsOf(values),
      output,
      yes: values.yes === true,
      style,
      errStyle,
      print: (text) => process.stdout.write(`${text}\n`),
      note: (text) => process.stderr.write(`${text}\n`),
    };
    return await command.run(context);
  } catch (error) {
    if (error instanceof CliError) {
      const hint = error.hint && withTargetFlags(error.hint, argv);
      if (wantsJson) {
        process.stdout.write(
          `${JSON.stringify({ error: { code: error.code, message: error.message, ...(hint ? { hint } : {}) } })}\n`,
        );
      }
      process.stderr.write(
        `${errStyle.red('error:')} ${error.message}\n${hint ? `${errStyle.dim('next:')}  ${hint}\n` : ''}`,
      );
      return error.exitCode;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(
      `${errStyle.red('error:')} unexpected failure: ${message}\n${errStyle.dim('next:')}  Run it again; if it persists, report it with the command line (no secrets are printed).\n`,
    );
    return EXIT.failed;
  }
};

// `call-control calls list | head`: the reader went away, which is not a failure of the command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
