import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.ts';
import { CLI_ENV } from './options.ts';
import { shellWord } from './shell-word.ts';

/**
 * What `npm start` writes for `call-control --local` (`stack.json` in its state folder), as the deployed mode
 * reads a CloudFormation stack's outputs. The local stack and the CLI both import this shape from here.
 */
export interface LocalStackState {
  apiUrl: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The local Secrets Manager / EventBridge endpoint. */
  awsEndpoint: string;
  secretId: string;
  /** The SignalWire emulator's origin, the one non-SignalWire host a secret may name locally. */
  localSpaceOrigin: string;
  identityArn: string;
  /** JSON lines, one per audit record, newest last: the local stack's "log group". */
  auditLog: string;
}

export const LOCAL_STATE_FILE = 'stack.json';

const uid = (): number => process.getuid?.() ?? -1;

/**
 * The folder `CALL_CONTROL_LOCAL_STATE_DIR` names; empty counts as unset (as `CALL_CONTROL_AUDIT_LOG` does), never as
 * "" (the folder the command was run from).
 */
const namedStateDir = (): string | undefined => process.env[CLI_ENV.localStateDir] || undefined;

/**
 * The state folder of the local stack on `port`: `CALL_CONTROL_LOCAL_STATE_DIR`, else a folder of this user's
 * own under the temporary folder (the user id in its name: another user's folder is never looked at).
 */
export const localStateDir = (port: number): string =>
  namedStateDir() ?? join(tmpdir(), `call-control-local-${uid()}`, String(port));

/** Creates `dir` (and any missing parent) for this user alone (0700), and tightens it if it exists. */
export const makePrivateDir = (dir: string): void => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
};

/** This package's checkout (or installation): the folder holding its package.json. */
const packageRoot = (): string => {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < 4; level++) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    directory = dirname(directory);
  }
  return directory;
};

const inside = (child: string, parent: string): boolean => {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith('..') && !path.startsWith('/'));
};

/**
 * Why `dir` cannot be trusted to say where the local stack is, or undefined when it can: it must be a real
 * folder (not a link) owned by this user, and either private (no access for group or others) or inside the
 * project's checkout. On a shared host another user could otherwise point the CLI at their own endpoint.
 */
export const untrustedStateDir = (dir: string): string | undefined => {
  const stats = lstatSync(dir);
  if (!stats.isDirectory()) return 'it is not a folder (a link or a file)';
  if (uid() !== -1 && stats.uid !== uid()) return `it belongs to user id ${stats.uid}, not to you (${uid()})`;
  if ((stats.mode & 0o077) !== 0 && !inside(resolve(dir), packageRoot())) {
    return `its mode is ${(stats.mode & 0o777).toString(8).padStart(4, '0')}: others may write to it (it must be 0700, or inside the project's checkout)`;
  }
  return undefined;
};

export const readLocalState = (port: number, portGiven = false): LocalStackState => {
  const dir = localStateDir(port);
  const file = join(dir, LOCAL_STATE_FILE);
  if (!existsSync(file)) {
    // A state folder named by the variable holds one stack whatever the port: --port cannot find another there.
    throw namedStateDir() !== undefined
      ? new CliError(
          `no local stack found in ${CLI_ENV.localStateDir} (${file} does not exist)`,
          `Start it with \`${CLI_ENV.localStateDir}=${shellWord(dir)} npm start\` (it writes its state there), or unset ${CLI_ENV.localStateDir} to find the \`npm start\` on port ${port} (--port for another).`,
        )
      : new CliError(
          `no local stack found on port ${port} (${file} does not exist)`,
          'Start it with `npm start` (PORT=... for another port), or pass --port.',
        );
  }
  const why = untrustedStateDir(dir) ?? untrustedStateFile(file);
  if (why) {
    throw new CliError(
      `refusing to read the local stack's state from ${dir}: ${why}`,
      `Restart \`npm start\` (it creates the folder 0700), or \`chmod 700 ${dir}\` if it is yours; ${CLI_ENV.localStateDir} may name a folder of your own.`,
      1,
      'LOCAL_STATE_UNTRUSTED',
    );
  }
  const state = parseLocalState(readFileSync(file, 'utf8'), file);
  // CALL_CONTROL_LOCAL_STATE_DIR names one stack's folder, whatever the port: a --port that names another
  // stack would otherwise be dropped without a word, and the command act on the wrong stack.
  const named = namedStateDir();
  const apiUrl = new URL(state.apiUrl);
  const statePort = apiUrl.port || (apiUrl.protocol === 'https:' ? '443' : '80');
  if (named && portGiven && statePort !== String(port)) {
    throw new CliError(
      `--port ${port}, but ${CLI_ENV.localStateDir} (${named}) holds the local stack on port ${statePort} (${state.apiUrl}); nothing was sent`,
      `Leave out --port to act on that stack, or point ${CLI_ENV.localStateDir} at the state folder of the stack on port ${port} (or unset it).`,
      2,
      'LOCAL_PORT_MISMATCH',
    );
  }
  return state;
};

/** The string fields the CLI reads from `stack.json`. */
const STATE_FIELDS = [
  'apiUrl',
  'region',
  'accessKeyId',
  'secretAccessKey',
  'awsEndpoint',
  'secretId',
  'localSpaceOrigin',
  'identityArn',
  'auditLog',
] as const satisfies ReadonlyArray<keyof LocalStackState>;

/**
 * `stack.json` as `npm start` writes it, or a CliError saying it is not (cut short by a full disk or a killed
 * `npm start`, or edited by hand): never a JSON or URL error reported as an unexpected failure.
 */
export const parseLocalState = (text: string, file: string): LocalStackState => {
  const broken = (why: string) =>
    new CliError(
      `the local stack's state file ${file} is not one \`npm start\` writes: ${why}`,
      'Restart `npm start` (it writes the file again), or pass --port for another local stack.',
      1,
      'LOCAL_STATE_UNREADABLE',
    );
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw broken(error instanceof Error ? error.message : String(error));
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) throw broken('not a JSON object');
  const fields = state as Record<string, unknown>;
  const missing = STATE_FIELDS.filter((name) => typeof fields[name] !== 'string' || fields[name] === '');
  if (missing.length > 0) throw broken(`${missing.join(', ')} missing or not a string`);
  for (const name of ['apiUrl', 'awsEndpoint', 'localSpaceOrigin'] as const) {
    if (!URL.canParse(fields[name] as string)) throw broken(`${name} is not a URL`);
  }
  return state as LocalStackState;
};

const untrustedStateFile = (file: string): string | undefined => {
  const stats = lstatSync(file);
  if (!stats.isFile()) return `${LOCAL_STATE_FILE} is not a regular file`;
  if (uid() !== -1 && stats.uid !== uid())
    return `${LOCAL_STATE_FILE} belongs to user id ${stats.uid}, not to you`;
  if ((stats.mode & 0o022) !== 0) return `${LOCAL_STATE_FILE} may be written by others`;
  return undefined;
};
