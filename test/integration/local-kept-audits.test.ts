import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_CLEANUP_FUNCTION,
  LOCAL_CREDENTIALS,
  LOCAL_LOG_GROUP,
  type LocalStack,
  startLocalStack,
} from '#local/local-stack';
import { captureOutput } from '../support/output-capture.ts';

/**
 * The local stack keeps every audit record the functions write in its log group and its `audit.ndjson`, as
 * CloudWatch Logs keeps them (`call-control audit --local` and the console read them there). The cleanup writes
 * its records as JSON (calls/audit-record.ts `writeAuditJson`), not through the logger's `info`: they are kept
 * too, the same record the function wrote.
 */

const output = captureOutput();
const stateDir = mkdtempSync(join(tmpdir(), 'local-kept-audits-'));
let stack: LocalStack;
const clients = { region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  stack = await startLocalStack({ stateDir });
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the local stack's kept log lines", () => {
  it("hold a cleanup's audit records, as the function wrote them", async () => {
    const stale = stack.emulator.seedCall(stack.projectId, {
      status: 'in-progress',
      ageSeconds: 7_200,
      to: '+13115550199',
      direction: 'outbound',
    }).sid;
    const lambda = new LambdaClient({ endpoint: stack.aws.url, ...clients });
    const logs = new CloudWatchLogsClient({ endpoint: stack.aws.url, ...clients });
    try {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: LOCAL_CLEANUP_FUNCTION,
          Payload: new TextEncoder().encode(
            JSON.stringify({
              scheduleName: 'kept',
              policy: { maxAgeSeconds: { inProgress: 3_600 }, to: { prefixes: ['+13115550199'] } },
            }),
          ),
        }),
      );
      expect(answer.FunctionError).toBeUndefined();
      const written = output.audits().filter((record) => record.callSid === stale);
      expect(written).toEqual([expect.objectContaining({ outcome: 'updated', trigger: 'schedule' })]);

      const filed = readFileSync(join(stateDir, 'audit.ndjson'), 'utf8')
        .split('\n')
        .filter((line) => line.includes(stale))
        .map((line) => JSON.parse(line) as { message: string; audit: unknown });
      expect(filed).toEqual([expect.objectContaining({ message: 'call-control audit', audit: written[0] })]);

      const { events = [] } = await logs.send(
        new FilterLogEventsCommand({ logGroupName: LOCAL_LOG_GROUP, filterPattern: `"${stale}"` }),
      );
      expect(events.map((event) => (JSON.parse(event.message ?? '') as { audit: unknown }).audit)).toEqual(
        written,
      );
    } finally {
      lambda.destroy();
      logs.destroy();
    }
  });
});
