import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { UsageError } from '../../cli/core/errors.ts';
import { type CommandEntry, parseCommandLine } from '../../cli/core/parse.ts';
import { COMMANDS } from '../../cli/registry.ts';
import { type CliRun, collectRun } from './cli-process.ts';

/**
 * The usage error the CLI's command-line reading gives `argv` (with the real commands unless `registry` is given):
 * what the operator sees as `error:` and `next:`. A line that parses, or any other failure, fails the test.
 */
export const refusalOf = async (
  argv: string[],
  registry: Record<string, CommandEntry> = COMMANDS,
): Promise<UsageError> => {
  try {
    await parseCommandLine(argv, registry);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`parsed without a usage error: ${argv.join(' ')}`);
};

/**
 * One run of the CLI from source (bin/call-control.mjs, through tsx when there is no bundle), with no AWS
 * configuration: nothing it sends can reach AWS. `variables` are added to (or, as undefined, taken from) the
 * environment.
 */
export const runCliFromSource = (
  args: readonly string[],
  variables: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<CliRun> =>
  collectRun(
    spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'call-control.mjs'), ...args], {
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        ...variables,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
    30_000,
    input,
  );
