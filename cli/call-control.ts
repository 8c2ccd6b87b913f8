#!/usr/bin/env node
/**
 * `call-control`: the operator CLI's entry. `--help` and `--version` alone are answered here, from the command
 * registry, before anything else is loaded: they are what an operator runs first, and start-up is measured by
 * them (bench/cli-startup.ts). Every other command line goes to main.ts, which loads each command's module (and
 * through it the AWS SDK or the cleanup engine) only when that command runs.
 */
import { colourEnabled, paint } from './core/colour.ts';
import { COMMANDS, callsHelp, mainHelp, packageVersion } from './registry.ts';

const argv = process.argv.slice(2);

/** `--help` (`-h`, `help`) or `--version` alone, with or without `--no-color`: nothing to parse. */
const alone = (): 'help' | 'version' | undefined => {
  const words = argv.filter((word) => word !== '--no-color');
  if (words.length !== 1) return undefined;
  const [word] = words;
  if (word === '--help' || word === '-h' || word === 'help') return 'help';
  return word === '--version' ? 'version' : undefined;
};

const quick = alone();
if (quick === undefined) {
  await (await import('./main.ts')).runCommandLine(argv, {
    commands: COMMANDS,
    mainHelp,
    callsHelp,
    packageVersion,
  });
} else {
  // `call-control --help | head -1`: a reader that went away is no failure of a read; any other error is said.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE')
      process.stderr.write(`error: cannot write the output (${error.code ?? error.message})\n`);
    process.exit(error.code === 'EPIPE' ? 0 : 1);
  });
  process.stdout.write(
    quick === 'help'
      ? `${mainHelp(paint(colourEnabled(process.stdout, argv.includes('--no-color'))))}\n`
      : `call-control ${await packageVersion()}\n`,
  );
}
