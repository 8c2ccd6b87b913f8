import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialsError } from '#commons/errors';
import { CALL_UPDATE_FAILED, CALL_UPDATE_REQUESTED, CALL_UPDATED } from '#commons/events/contracts';
import { CredentialsStore, SecretsManagerSource } from '#commons/signalwire/credentials';
import { LOCAL_SECRET_NAME, type LocalStack, startLocalStack } from '#local/local-stack';
import { malformedSecrets } from '../support/malformed-secrets.ts';
import { captureOutput } from '../support/output-capture.ts';

/**
 * Secrets Manager failures, through the real SDK client and the real handler. The secret is read on every
 * request here (cache TTL 0) so each test sees its own fault.
 */
const output = captureOutput();
let stack: LocalStack;
let goodSecret: string;

beforeAll(async () => {
  process.env.SECRET_CACHE_TTL_SECONDS = '0';
  stack = await startLocalStack();
  goodSecret = JSON.stringify({
    projectId: stack.projectId,
    apiToken: stack.apiToken,
    spaceUrl: stack.emulator.url,
  });
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

const terminate = async () => {
  const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });
  const response = await fetch(`${stack.api.url}/calls/${call.sid}/terminate`, { method: 'POST' });
  const text = await response.text();
  return {
    status: response.status,
    text,
    error: (JSON.parse(text) as { error: Record<string, unknown> }).error,
  };
};

describe('SecretsManagerSource with the real SDK client', () => {
  const source = (secretId: string) =>
    new SecretsManagerSource(
      secretId,
      0,
      new SecretsManagerClient({ endpoint: stack.aws.url, maxAttempts: 1 }),
    );

  it('names a missing secret and the AWS error, and says retrying will not help', async () => {
    const error = await source('no/such/secret')
      .read(false)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CredentialsError);
    expect(error).toMatchObject({
      message:
        'could not read the SignalWire secret "no/such/secret" from Secrets Manager (ResourceNotFoundException)',
      retryable: false,
    });
  });

  it('treats Secrets Manager being unreachable as retryable', async () => {
    stack.aws.injectSecretsManagerFault({ kind: 'drop', times: 1 });

    const error = await source(LOCAL_SECRET_NAME)
      .read(true)
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'CredentialsError', retryable: true });
  });

  it.each([
    ['RequestLimitExceeded', 400],
    ['RequestThrottled', 400],
    ['RequestTimeoutException', 408],
    ['SomeNewRateLimit', 429],
    ['InternalFailureException', 500],
    ['SomeNewOutage', 503],
  ])(
    'treats %s (HTTP %i) as retryable: a throttle or an outage, not a fault to fix',
    async (type, status) => {
      stack.aws.injectSecretsManagerFault({ kind: 'error', type, status, times: 1 });

      const error = await source(LOCAL_SECRET_NAME)
        .read(true)
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'CredentialsError', retryable: true });
      expect((error as Error).message).toContain(`(${type})`);
    },
  );

  it('treats a refusal AWS does not name as throttling, answered 400, as configuration', async () => {
    stack.aws.injectSecretsManagerFault({ kind: 'error', type: 'SomeNewRefusal', status: 400, times: 1 });

    const error = await source(LOCAL_SECRET_NAME)
      .read(true)
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'CredentialsError', retryable: false });
  });

  it('reads the secret once per max age and again on refresh', async () => {
    const cached = new SecretsManagerSource(
      LOCAL_SECRET_NAME,
      300,
      new SecretsManagerClient({ endpoint: stack.aws.url }),
    );
    const before = stack.aws.secretReads.length;

    await cached.read(false);
    await cached.read(false);
    await cached.read(true);

    expect(stack.aws.secretReads.length - before).toBe(2);
    const store = new CredentialsStore(cached, { allowedLocalOrigin: stack.emulator.url });
    expect((await store.get()).projectId).toBe(stack.projectId);
  });
});

describe('the HTTP function when the secret cannot be used', () => {
  it('answers 503, retryable, when Secrets Manager fails, and sends nothing to SignalWire', async () => {
    stack.aws.injectSecretsManagerFault({
      kind: 'error',
      type: 'InternalServiceError',
      status: 500,
      times: 5,
    });
    stack.emulator.clearRequests();

    const answer = await terminate();

    expect(answer.status).toBe(503);
    expect(answer.error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', retryable: true });
    expect(answer.error.message).toContain('InternalServiceError');
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['DecryptionFailure', 'the role may not use the secret’s KMS key'],
    ['AccessDeniedException', 'the role may not read the secret'],
    ['InvalidRequestException', 'the secret is scheduled for deletion'],
  ])(
    'answers 500, not retryable, when Secrets Manager refuses with %s (%s): an operator must fix it',
    async (type) => {
      stack.aws.injectSecretsManagerFault({
        kind: 'error',
        type,
        status: 400,
        message: `arn:aws:kms:us-east-1:123456789012:key/secret-key-id ${stack.apiToken}`,
        times: 1,
      });
      stack.emulator.clearRequests();

      const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });
      const response = await fetch(`${stack.api.url}/calls/${call.sid}/terminate`, { method: 'POST' });
      const text = await response.text();

      expect(response.status).toBe(500);
      expect(response.headers.get('retry-after')).toBeNull();
      expect(JSON.parse(text).error).toEqual(
        expect.objectContaining({
          code: 'CREDENTIALS_UNAVAILABLE',
          retryable: false,
          message: `could not read the SignalWire secret "${LOCAL_SECRET_NAME}" from Secrets Manager (${type})`,
        }),
      );
      expect(text).not.toContain('kms');
      expect(text).not.toContain(stack.apiToken);
      expect(stack.emulator.requests).toHaveLength(0);
    },
  );

  it('answers 500 naming the malformed field, never the value', async () => {
    stack.aws.putSecret(
      LOCAL_SECRET_NAME,
      JSON.stringify({ projectId: stack.projectId, apiToken: stack.apiToken }),
    );

    const answer = await terminate();

    expect(answer.status).toBe(500);
    expect(answer.error).toMatchObject({
      code: 'CREDENTIALS_UNAVAILABLE',
      message: 'secret.spaceUrl is missing or not a string',
      retryable: false,
    });
    expect(answer.text).not.toContain(stack.apiToken);
  });

  it('refuses a secret whose space URL is not a SignalWire host, sending the token nowhere', async () => {
    stack.aws.putSecret(
      LOCAL_SECRET_NAME,
      JSON.stringify({
        projectId: stack.projectId,
        apiToken: stack.apiToken,
        spaceUrl: 'https://attacker.example.com',
      }),
    );

    const answer = await terminate();

    expect(answer.status).toBe(500);
    expect(answer.error.message).toMatch(/spaceUrl must be a SignalWire space host/);
  });

  it('answers 500 for a secret that is not JSON', async () => {
    stack.aws.putSecret(LOCAL_SECRET_NAME, `token=${stack.apiToken}`);

    const answer = await terminate();

    expect(answer.status).toBe(500);
    expect(answer.error.message).toBe('the SignalWire secret is not valid JSON');
  });

  it('never puts the API token in the message, the HTTP body or the logs, whatever the shape of malformed secret (a malformed signingKey included)', async () => {
    const shapes = malformedSecrets({
      projectId: stack.projectId,
      apiToken: stack.apiToken,
      spaceUrl: stack.emulator.url,
    });
    stack.emulator.clearRequests();

    for (const { name, text, message } of shapes) {
      const logged = output.lines.length;
      stack.aws.putSecret(LOCAL_SECRET_NAME, text);

      const answer = await terminate();

      const logs = output.lines.slice(logged).join('');
      expect(answer.status, name).toBe(500);
      expect(answer.error, name).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', retryable: false });
      expect(answer.error.message, name).toContain(message);
      expect(answer.text, name).not.toContain(stack.apiToken);
      expect(logs, name).toContain('request refused');
      expect(logs, name).not.toContain(stack.apiToken);
    }
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('recovers as soon as the secret is fixed', async () => {
    stack.aws.putSecret(LOCAL_SECRET_NAME, goodSecret);

    const answer = await terminate();

    expect(answer.status).toBe(200);
  });

  it('never wrote the token to a log line in any of these scenarios', () => {
    const everything = output.lines.join('');

    expect(everything).toContain('request refused');
    expect(everything).not.toContain(stack.apiToken);
  });
});

describe('the event function when the secret cannot be used', () => {
  /** Publishes a "Call Update Requested" with the real client; resolves with the result events once handled. */
  const request = async (detail: Record<string, unknown>) => {
    const answer = await new EventBridgeClient({}).send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: stack.eventBusName,
            Source: 'com.example.crm',
            DetailType: CALL_UPDATE_REQUESTED,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    await stack.aws.drainTargets();
    const id = answer.Entries?.[0]?.EventId;
    return stack.aws.putEvents
      .filter(
        (e) =>
          (e.envelope['detail-type'] === CALL_UPDATED || e.envelope['detail-type'] === CALL_UPDATE_FAILED) &&
          e.envelope.detail.requestEventId === id,
      )
      .map((e) => ({ type: e.envelope['detail-type'], detail: e.envelope.detail }));
  };

  it('publishes a final "Call Update Failed", not retried, when Secrets Manager cannot decrypt the secret', async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });
    stack.aws.putSecret(LOCAL_SECRET_NAME, goodSecret);
    stack.aws.injectSecretsManagerFault({ kind: 'error', type: 'DecryptionFailure', status: 400 });
    const reads = stack.aws.secretReads.length;

    const results = await request({ callSid: call.sid, action: 'terminate', idempotencyKey: 'kms-denied-1' });

    expect(results).toEqual([
      {
        type: CALL_UPDATE_FAILED,
        detail: expect.objectContaining({
          final: true,
          error: expect.objectContaining({
            code: 'CREDENTIALS_UNAVAILABLE',
            retryable: false,
            message: `could not read the SignalWire secret "${LOCAL_SECRET_NAME}" from Secrets Manager (DecryptionFailure)`,
          }),
        }),
      },
    ]);
    // One read: the invocation was not retried (a retry would read the secret again).
    expect(stack.aws.secretReads.length - reads).toBe(1);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it('does not remember an unreadable secret: the same idempotency key resent after the fix is applied', async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });
    const detail = { callSid: call.sid, action: 'terminate', idempotencyKey: 'unreadable-secret-1' };
    stack.aws.putSecret(
      LOCAL_SECRET_NAME,
      JSON.stringify({ projectId: stack.projectId, apiToken: stack.apiToken }),
    );

    const refused = await request({ ...detail, correlationId: 'before-fix' });
    stack.aws.putSecret(LOCAL_SECRET_NAME, goodSecret);
    const resent = await request({ ...detail, correlationId: 'after-fix' });

    expect(refused).toEqual([
      {
        type: CALL_UPDATE_FAILED,
        detail: expect.objectContaining({
          final: true,
          replayed: false,
          error: expect.objectContaining({ code: 'CREDENTIALS_UNAVAILABLE', retryable: false }),
        }),
      },
    ]);
    expect(resent).toEqual([
      { type: CALL_UPDATED, detail: expect.objectContaining({ replayed: false, outcome: 'updated' }) },
    ]);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
  });
});
