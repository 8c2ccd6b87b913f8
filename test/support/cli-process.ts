import { type ChildProcess, spawn } from 'node:child_process';

/** What one run of the CLI as a process printed, and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output until it closes; `input` is written to its stdin (and closes it). */
export const collectRun = (child: ChildProcess, timeoutMs: number, input?: string): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // A CLI that exits without reading all its input (help, a refusal) closes the pipe: the write then fails with
    // EPIPE, which is no failure of the run (its exit code and output say what happened), not an uncaught error.
    child.stdin?.on('error', () => {});
    if (input !== undefined) child.stdin?.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * Starts `node <bundle> ...args` on a pseudo-terminal (util-linux `script`), `cols` wide when given. `react`
 * sees everything the terminal has shown so far and may type (`\x03` is Ctrl-C); stdout and stderr both arrive
 * on the child's stdout, as a person sees them.
 */
export const spawnOnTerminal = (
  bundle: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  react: (shown: string, type: (keys: string) => void) => void,
  cols?: number,
): ChildProcess => {
  const cli = [process.execPath, bundle, ...args].map(quote).join(' ');
  const command = cols === undefined ? cli : `stty cols ${cols} rows 50; exec ${cli}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let shown = '';
  // Keys typed after the process has gone are dropped, not an error of the test.
  child.stdin.on('error', () => {});
  child.stdout.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
    react(shown, (keys) => child.stdin.write(keys));
  });
  return child;
};

/**
 * The environment of the CLI aimed at the deployed target, as on a workstation: the SDK finds region and keys
 * in the environment; CloudFormation, Lambda, CloudWatch Logs and STS are the local stand-ins at `awsUrl`.
 */
export const deployedEnv = (env: NodeJS.ProcessEnv, awsUrl: string): NodeJS.ProcessEnv => ({
  ...env,
  AWS_ENDPOINT_URL_CLOUDFORMATION: awsUrl,
  AWS_ENDPOINT_URL_LAMBDA: awsUrl,
  AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: awsUrl,
  AWS_ENDPOINT_URL_STS: awsUrl,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
});
