/**
 * The commands of `call-control` (each one's summary, and how to load its module), the help that lists them and
 * the package's version: all `--help` and `--version` need, with nothing else imported (see call-control.ts).
 */
import type { Paint } from './core/colour.ts';
import { helpColumns, helpWidth, wrap } from './core/help-width.ts';
import type { CommandEntry } from './core/parse.ts';

export const COMMANDS: Record<string, CommandEntry> = {
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

/** The main `--help`, its prose and command list wrapped to `width` (the terminal's; none on a pipe). */
export const mainHelp = (style: Paint, width = helpWidth()): string => {
  const prose = (text: string) => wrap(text, width);
  return [
    `${style.bold('Usage:')} call-control <command> [options]`,
    '',
    prose('End, redirect and clean up live SignalWire calls through the call-control stack.'),
    prose(
      'Targets: the deployed stack (default; SigV4 with your AWS credentials), --local (npm start), --direct (SignalWire).',
    ),
    prose(
      'Calls of both kinds: Compatibility (cXML) and native (SWML, RELAY, AI agents); --api compatibility|calling names one.',
    ),
    '',
    style.bold('Commands:'),
    helpColumns(
      Object.entries(COMMANDS).map(([name, { summary }]) => [name, summary]),
      width,
    ),
    '',
    style.bold('Examples:'),
    '  call-control calls list --status in-progress',
    '  call-control calls end 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab --yes',
    '  call-control end-all --to +13105550100 --dry-run',
    '  call-control calls transfer 7c41d2b0-5e6f-4a7b-9c8d-0e1f2a3b4c5d --to sip:agent@example.com',
    '  call-control audit --call 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab',
    '  call-control doctor --direct',
    '',
    prose(
      'Global options (--local, --direct, --stack, --construct, --profile, --region, --port, --secret-id, -o, --yes, --no-color) go before or after the command.',
    ),
    prose(
      'A command with --help shows its options and examples (`call-control end-all --help`); `call-control --version` shows the version. Exit codes: 0 ok, 1 failed, 2 usage, 3 partly or maybe done, 130 cancelled (nothing changed).',
    ),
  ].join('\n');
};

export const callsHelp = (style: Paint, width = helpWidth()): string => {
  const calls = Object.entries(COMMANDS).filter(([name]) => name.startsWith('calls '));
  return [
    `${style.bold('Usage:')} call-control calls <subcommand> [options]`,
    '',
    style.bold('Subcommands:'),
    helpColumns(
      calls.map(([name, { summary }]) => [name, summary]),
      width,
    ),
    '',
    wrap('A subcommand with --help shows its options and examples (`call-control calls end --help`).', width),
  ].join('\n');
};

/**
 * The installed package's version: the nearest package.json of this package above this file, from cli/
 * (source) or dist/cli/ (bundle), at most a few levels up. Walked as URLs, so only `node:fs` is loaded.
 */
export const packageVersion = async (): Promise<string> => {
  const { existsSync, readFileSync } = await import('node:fs');
  let directory = new URL('.', import.meta.url);
  for (let level = 0; level < 4; level++) {
    const file = new URL('package.json', directory);
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'signalwire-call-control' && manifest.version) return manifest.version;
    }
    directory = new URL('..', directory);
  }
  return 'unknown';
};

/** What main.ts is given of the registry. */
export interface Registry {
  commands: Record<string, CommandEntry>;
  mainHelp(style: Paint): string;
  callsHelp(style: Paint): string;
  packageVersion(): Promise<string>;
}
