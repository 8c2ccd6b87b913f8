import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAws } from '#local/aws-emulator';
import { ECHO_LIMIT } from '../../cli/core/safe-text.ts';
import { runCliFromSource } from '../support/cli-command-line.ts';

/**
 * A long name the operator typed (a stack, a secret, a profile, a policy's value) or an AWS answer repeating it,
 * echoed in a refusal: cut after its first characters with how many it has, as every other word a refusal echoes
 * (safe-text.ts `echo`). A 100 KB `--stack "$(cat file)"` would otherwise bury the sentence saying what is wrong.
 * The AWS answers come from the loopback stand-in (local/aws), through the real SDK.
 */

const LONG = 's'.repeat(300);
const CUT = `${'s'.repeat(ECHO_LIMIT)}… (300 characters)`;

let aws: LocalAws;
const onAws = (args: string[], variables: NodeJS.ProcessEnv = {}) =>
  runCliFromSource(args, {
    AWS_ENDPOINT_URL: aws.url,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_PROFILE: undefined,
    ...variables,
  });

beforeAll(async () => {
  aws = await LocalAws.start();
});

afterAll(async () => {
  await aws.stop();
});

describe('a long name in an AWS "not found" refusal is cut', () => {
  it('names a stack CloudFormation does not have by its start and length', async () => {
    const run = await onAws(['calls', 'list', '--stack', LONG]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: CloudFormation stack "${CUT}" not found in us-east-1\n`);
    expect(run.stderr).not.toContain('s'.repeat(ECHO_LIMIT + 1));
  });

  it('names a secret Secrets Manager does not have by its start and length', async () => {
    const run = await onAws(['doctor', '--direct', '--secret-id', LONG]);

    expect(run.stdout).toContain(
      `could not read the SignalWire secret "${CUT}": Secrets Manager has no secret by that name in this region`,
    );
    expect(run.stdout).not.toContain('s'.repeat(ECHO_LIMIT + 1));
  });

  it("cuts the name inside AWS's own message, and offers no line to type holding a cut name", async () => {
    // Twice: the CLI reads the secret, and on a failure reads it once more to classify it.
    aws.injectSecretsManagerFault({
      kind: 'error',
      type: 'InvalidRequestException',
      status: 400,
      message: `You can't perform this operation on the secret ${LONG} because it was marked for deletion.`,
      times: 2,
    });
    const run = await onAws(['doctor', '--direct', '--secret-id', LONG]);

    expect(run.stdout).toContain(`operation on the secret ${CUT} because it was marked for deletion.`);
    expect(run.stdout).toContain(
      'next: If the secret is scheduled for deletion, restore it (aws secretsmanager restore-secret, with its --secret-id).',
    );
    expect(run.stdout).not.toContain('s'.repeat(ECHO_LIMIT + 1));
  });

  it('keeps the line to type for a secret its name shows whole', async () => {
    aws.injectSecretsManagerFault({ kind: 'error', type: 'InvalidRequestException', status: 400, times: 2 });
    const run = await onAws(['doctor', '--direct', '--secret-id', 'team/calls']);

    expect(run.stdout).toContain(
      'next: If the secret is scheduled for deletion, restore it: `aws secretsmanager restore-secret --secret-id team/calls`.',
    );
  });

  it('doctor names a stack it found, and a secret it could read but not use, by their start and length', async () => {
    const name = `S${'s'.repeat(120)}`;
    aws.putStack(name, { ApiUrl: 'https://api.example.com/' });
    aws.putSecret(LONG, 'not a secret of this project');
    const run = await onAws(['doctor', '--stack', name, '--secret-id', LONG]);

    const [stack, , secret] = run.stdout.split('\n');
    expect(stack).toMatch(/^FAIL {2}stack outputs +S(s+)… \(121 characters\) lacks CleanupFunctionName$/);
    expect(stack).not.toContain('s'.repeat(ECHO_LIMIT));
    expect(secret).toMatch(
      /^FAIL {2}secret +s+… \(300 characters\): the SignalWire secret is not valid JSON$/,
    );
    expect(secret).not.toContain('s'.repeat(ECHO_LIMIT + 1));
    expect(run.stdout).toContain(`next: Fix the secret "${CUT}": {`);
  });

  it('names an AWS profile no file defines by its start and length', async () => {
    const run = await onAws(['calls', 'list', '--profile', LONG]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: AWS profile "${CUT}" does not exist`);
    expect(run.stderr).not.toContain('s'.repeat(ECHO_LIMIT + 1));
  });
});

describe("a long word in cleanup's policy refusals is cut", () => {
  it.each([
    ['--max-calls', 'must be a whole number'],
    ['--to-prefix', 'must be at most 256 characters long'],
    ['--from-prefix', 'must be at most 256 characters long'],
  ])('names a %s it refuses by its start and length', async (flag, why) => {
    const run = await runCliFromSource([
      'cleanup',
      '--local',
      '--dry-run',
      '--max-age-ringing',
      '2m',
      flag,
      LONG,
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: invalid policy: ${flag} ${CUT} ${why}\n`);
    expect(run.stderr).not.toContain('s'.repeat(ECHO_LIMIT + 1));
  });

  it('names a --policy-file it cannot open once, cut, and why', async () => {
    const path = `/nonexistent/${LONG}`;
    const run = await runCliFromSource(['cleanup', '--local', '--dry-run', '--policy-file', path]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: --policy-file /nonexistent/${'s'.repeat(ECHO_LIMIT - 13)}… (313 characters): ENOENT: no such file or directory\n`,
    );
  });
});

describe('a long target holding a control character is cut', () => {
  it.each([
    ['--stack', ['calls', 'list', '--stack', `\u200b${LONG}`], {}],
    ['CALL_CONTROL_STACK', ['calls', 'list'], { CALL_CONTROL_STACK: `\u200b${LONG}` }],
  ])('%s: named with the start of its value', async (name, args, variables) => {
    const run = await runCliFromSource(args, variables);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: ${name} holds a control or invisible character ("\\u200b${'s'.repeat(ECHO_LIMIT - 1)}… (301 characters)")`,
    );
  });
});
