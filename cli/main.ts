/**
 * `call-control` for every command line but `--help` / `--version` alone (call-control.ts answers those): parses
 * it into typed options, loads the command's module (and through it the AWS SDK, the SignalWire client, the
 * cleanup engine) only when that command runs, and reports any failure in the output mode asked for.
 */
import { checkChoice } from './core/choice.ts';
import {
  type BaseContext,
  commandHelp,
  errorDocument,
  onStderrError,
  onStdoutError,
  printJson,
  styles,
  usageLine,
  writers,
} from './core/command.ts';
import { CliError, EXIT, hintText, MissingCommandError, UsageError } from './core/errors.ts';
import {
  CLI_ENV,
  DEFAULT_SECRET_ID,
  DEFAULT_STACK,
  type GlobalOptions,
  type GlobalValues,
  OUTPUT_FORMATS,
  type OutputFormat,
  outputFormatOf,
  outputOf,
  TARGET_OPTIONS,
} from './core/options.ts';
import { type CommandLine, missingCommand, missingCommandUnoffered, parseCommandLine } from './core/parse.ts';
import { keepLoopbackDirect, useEnvironmentProxy } from './core/proxy.ts';
import { echo, visible } from './core/safe-text.ts';
import { shellWord, writable } from './core/shell-word.ts';
import type { Registry } from './registry.ts';

/**
 * A target read from the environment when its option is not given: refused as the option is
 * ({@link refuseUnwritableTarget}) when empty, blank or holding a control or invisible character, naming the
 * variable. `CALL_CONTROL_STACK="$STAGE"` with `STAGE` unset would otherwise be looked up as the stack "", and
 * an unset variable is the way to ask for the default.
 */
const fromEnvironment = (name: string): string | undefined => {
  const value = process.env[name];
  if (value === undefined) return undefined;
  if (value.trim() === '')
    throw new UsageError(
      `${name} is set but empty; nothing was sent`,
      `Set ${name} to its value, or unset it (\`unset ${name}\`) for the default.`,
    );
  if (!writable(value))
    throw new UsageError(
      `${name} holds a control or invisible character ("${echo(value)}"); nothing was sent`,
      `Set ${name} again without it (a paste from a chat or a web page can add one).`,
    );
  return value;
};

const globalsOf = (values: GlobalValues): GlobalOptions => {
  const fromPort = values.port === undefined ? fromEnvironment(CLI_ENV.port) : undefined;
  const port = Number(values.port ?? fromPort ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(
      values.port === undefined
        ? `${CLI_ENV.port} must be a port number, got "${echo(String(fromPort))}"`
        : `--port must be a port number, got "${echo(values.port)}"`,
    );
  return {
    local: values.local === true,
    direct: values.direct === true,
    stack: values.stack ?? fromEnvironment(CLI_ENV.stack) ?? DEFAULT_STACK,
    construct: values.construct,
    profile: values.profile,
    region: values.region,
    port,
    portGiven: values.port !== undefined,
    secretId: values['secret-id'] ?? fromEnvironment(CLI_ENV.secretId) ?? DEFAULT_SECRET_ID,
  };
};

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

/**
 * A target option holding a control or invisible character (`--stack 'prod\u200b'`, pasted from a chat): no stack,
 * profile, region or secret is named so, and the lines to type that hints repeat the target in could not show it
 * as itself (shell-word.ts). Nor an empty one (`--stack= calls list`, `--region "$UNSET"`), which would otherwise
 * be looked up as the name "". Refused, naming the option, before anything is read or sent.
 */
const refuseUnwritableTarget = (values: GlobalValues): void => {
  for (const name of TARGET_OPTIONS) {
    const value = values[name];
    if (typeof value === 'string' && value.trim() === '')
      throw new UsageError(
        `--${name} is empty; nothing was sent`,
        `Give --${name} its value, or leave it out for the default.`,
      );
    if (typeof value === 'string' && !writable(value))
      throw new UsageError(
        `--${name} holds a control or invisible character ("${echo(value)}"); nothing was sent`,
        `Type --${name} again without it (a paste from a chat or a web page can add one).`,
      );
  }
};

let parsedValues: GlobalValues | undefined;

/**
 * The checks a parsed command line gets before anything is read or sent, in this order (the first refusal is the
 * one said): its targets are writable, its arguments as many as the command takes, its `-o` a format. Then
 * {@link globalsOf}, which `run` reads after setting up the proxy. One list, for a typed line and an offered one.
 */
const checkedLine = (line: Extract<CommandLine, { kind: 'command' }>): OutputFormat => {
  const values = line.values as GlobalValues;
  refuseUnwritableTarget(values);
  const { spec } = line.module;
  const { positionals } = line;
  if (positionals.length < spec.positionals.min || positionals.length > spec.positionals.max) {
    throw new UsageError(
      positionals.length < spec.positionals.min
        ? `missing ${spec.args ?? 'argument'}`
        : `unexpected argument "${echo(positionals[spec.positionals.max]!)}"`,
      `Usage: ${usageLine(spec)}; see --help.`,
    );
  }
  return values.output === undefined ? 'table' : checkChoice(values.output, '-o', OUTPUT_FORMATS);
};

/**
 * Whether the line a missing-command refusal offers (`calls list` and the options given) passes the checks a typed
 * command line gets before anything is read ({@link checkedLine}, then the environment's targets).
 */
const offersRunnable = async (
  error: MissingCommandError,
  commands: Registry['commands'],
): Promise<boolean> => {
  if (error.offered.length === 0) return false;
  try {
    const line = await parseCommandLine([...error.offered], commands);
    if (line.kind !== 'command') return false;
    checkedLine(line);
    globalsOf(line.values as GlobalValues);
    return true;
  } catch {
    return false;
  }
};

/** A missing-command refusal whose line to type is refused in turn loses the line (the sentence stays). */
const checkedOffer = async (error: unknown, commands: Registry['commands']): Promise<never> => {
  if (error instanceof MissingCommandError && !(await offersRunnable(error, commands)))
    throw missingCommandUnoffered(error);
  throw error;
};

const run = async (
  { commands, callsHelp, mainHelp, packageVersion }: Registry,
  argv: string[],
  style: BaseContext['style'],
  errStyle: BaseContext['errStyle'],
): Promise<number> => {
  const line = await parseCommandLine(argv, commands).catch((error) => checkedOffer(error, commands));
  if (line.kind === 'version') {
    process.stdout.write(`call-control ${await packageVersion()}\n`);
    return EXIT.ok;
  }
  if (line.kind === 'help') {
    if (!line.asked) await checkedOffer(missingCommand(line.topic, argv), commands);
    process.stdout.write(`${line.topic === 'calls' ? callsHelp(style) : mainHelp(style)}\n`);
    return EXIT.ok;
  }
  const { module, positionals } = line;
  const values = line.values as GlobalValues;
  parsedValues = values;
  if (values.help) {
    process.stdout.write(`${commandHelp(module.spec, style)}\n`);
    return EXIT.ok;
  }
  const output = checkedLine(line);
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

const main = async (argv: string[], registry: Registry): Promise<number> => {
  // The AWS SDK warns on Node.js 20 about its future releases; an operator running a command cannot act on it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { style, errStyle } = styles(argv.includes('--no-color'));
  try {
    return await run(registry, argv, style, errStyle);
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
    // No command: the commands (or the `calls` subcommands) to name one of, above the error.
    if (error instanceof MissingCommandError)
      process.stderr.write(
        `${error.topic === 'calls' ? registry.callsHelp(errStyle) : registry.mainHelp(errStyle)}\n\n`,
      );
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

/**
 * Runs one command line to its end: its exit code in `process.exitCode`. The registry is the entry's (given,
 * not imported, so that `--help` loads it with the entry alone).
 */
export const runCommandLine = async (argv: string[], registry: Registry): Promise<void> => {
  // `call-control calls list | head`: the reader went away, which is not a failure of the command (see
  // onStdoutError for a command acting on calls, and for a stdout that cannot be written at all).
  process.stdout.on('error', onStdoutError);
  // A terminal lost with its SSH session (EIO) or a closed stderr pipe: notes go nowhere, the command goes on.
  process.stderr.on('error', onStderrError);
  process.exitCode = await main(argv, registry);
};
