import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_MESSAGE } from '#commons/calls/audit';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { functionEnv } from '../../bench/harness.ts';
import { operatorApi } from '../support/operator-api.ts';
import { captureOutput } from '../support/output-capture.ts';

/**
 * Lambda sets `AWS_LAMBDA_INITIALIZATION_TYPE=on-demand` in an on-demand environment, and Powertools counts a cold
 * start only there. The local stand-ins that run functions the way Lambda would set it too, so a function's
 * first invocation logs `"cold_start": true` locally, as deployed, and the next ones `false`.
 */

const output = captureOutput();
let stack: LocalStack;

beforeAll(async () => {
  delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  stack = await startLocalStack();
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

describe('the cold start, as the local stack runs a function', () => {
  it('logs "cold_start": true in the first invocation of a function and false in the next', async () => {
    // Prepare
    const api = operatorApi(stack);
    const sids = [0, 1].map(
      () => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 }).sid,
    );

    // Act: two invocations of the operator API, one after the other
    for (const sid of sids) expect((await api.request('POST', `/calls/${sid}/terminate`)).status).toBe(200);

    // Assess
    const audits = output.records().filter((record) => record.message === AUDIT_MESSAGE);
    expect(audits.map((record) => [record.callSid, record.cold_start])).toEqual([
      [sids[0], true],
      [sids[1], false],
    ]);
  });

  it("gives the benchmark's function processes the variable as Lambda sets it", () => {
    // Act
    const env = functionEnv({
      awsEndpoint: 'http://127.0.0.1:1',
      memoryMb: 512,
      secretId: 'bench/secret',
      localSpaceOrigin: 'http://127.0.0.1:2',
      functionName: 'bench-function',
    });

    // Assess
    expect(env.AWS_LAMBDA_INITIALIZATION_TYPE).toBe('on-demand');
  });
});
