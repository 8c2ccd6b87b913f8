import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EventBridgeEnvelope,
  LocalAws,
  MAX_DETAIL_DEPTH,
  MAX_PUT_EVENTS_BYTES,
  type UndeliverableEvent,
} from '#local/aws-emulator';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

let aws: LocalAws;
let secrets: SecretsManagerClient;
let events: EventBridgeClient;

beforeEach(async () => {
  aws = await LocalAws.start();
  secrets = new SecretsManagerClient({ region, credentials, endpoint: aws.url, maxAttempts: 1 });
  events = new EventBridgeClient({ region, credentials, endpoint: aws.url, maxAttempts: 1 });
});

afterEach(async () => {
  secrets.destroy();
  events.destroy();
  await aws.stop();
});

describe('LocalAws Secrets Manager', () => {
  it('answers GetSecretValue by name with the current version', async () => {
    // Prepare
    const arn = aws.putSecret('signalwire/credentials', '{"projectId":"p","apiToken":"t"}');

    // Act
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: 'signalwire/credentials' }));

    // Assess
    expect(secret.ARN).toBe(arn);
    expect(arn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:signalwire\/credentials-[A-Za-z0-9]{6}$/,
    );
    expect(secret.Name).toBe('signalwire/credentials');
    expect(secret.SecretString).toBe('{"projectId":"p","apiToken":"t"}');
    expect(secret.VersionStages).toEqual(['AWSCURRENT']);
    expect(secret.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs((secret.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(5000);
    expect(secret.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(aws.secretReads.map((read) => read.secretId)).toEqual(['signalwire/credentials']);
  });

  it('answers GetSecretValue by ARN', async () => {
    // Prepare
    const arn = aws.putSecret('by-arn', 'value');

    // Act
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));

    // Assess
    expect(secret.Name).toBe('by-arn');
    expect(secret.SecretString).toBe('value');
  });

  it('gives a secret a new VersionId and value when it is put again, keeping its ARN', async () => {
    // Prepare
    const arn = aws.putSecret('rotating', 'old');
    const before = await secrets.send(new GetSecretValueCommand({ SecretId: 'rotating' }));

    // Act
    const arnAfter = aws.putSecret('rotating', 'new');
    const after = await secrets.send(new GetSecretValueCommand({ SecretId: 'rotating' }));

    // Assess
    expect(arnAfter).toBe(arn);
    expect(after.SecretString).toBe('new');
    expect(after.VersionId).not.toBe(before.VersionId);
  });

  it('answers an unknown secret with ResourceNotFoundException, named so by the SDK', async () => {
    // Act
    const failure = secrets.send(new GetSecretValueCommand({ SecretId: 'missing' }));

    // Assess
    await expect(failure).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers a deleted secret with ResourceNotFoundException', async () => {
    // Prepare
    aws.putSecret('short-lived', 'value');
    aws.deleteSecret('short-lived');

    // Act & Assess
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'short-lived' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it.each([
    { type: 'InternalServiceError', status: 500, fault: 'server' },
    { type: 'AccessDeniedException', status: 400, fault: 'client' },
    { type: 'ThrottlingException', status: 400, fault: 'client' },
  ])(
    'surfaces an injected $type ($status) as an SDK error of that name, once',
    async ({ type, status, fault }) => {
      // Prepare
      aws.putSecret('faulty', 'value');
      aws.injectSecretsManagerFault({ kind: 'error', type, status, message: 'injected for the test' });

      // Act
      const failure = secrets.send(new GetSecretValueCommand({ SecretId: 'faulty' }));

      // Assess
      await expect(failure).rejects.toMatchObject({
        name: type,
        message: 'injected for the test',
        $fault: fault,
        $metadata: { httpStatusCode: status },
      });
      const next = await secrets.send(new GetSecretValueCommand({ SecretId: 'faulty' }));
      expect(next.SecretString).toBe('value');
    },
  );

  it('surfaces a dropped connection as a network error from the SDK', async () => {
    // Prepare
    aws.putSecret('dropped', 'value');
    aws.injectSecretsManagerFault({ kind: 'drop' });

    // Act
    const failure = secrets.send(new GetSecretValueCommand({ SecretId: 'dropped' }));

    // Assess
    await expect(failure).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(aws.secretReads).toHaveLength(1);
  });

  it('applies a fault the given number of times, so the SDK retries past a transient one', async () => {
    // Prepare
    aws.putSecret('retried', 'value');
    aws.injectSecretsManagerFault({ kind: 'error', type: 'InternalServiceError', status: 500, times: 2 });
    const retrying = new SecretsManagerClient({ region, credentials, endpoint: aws.url, maxAttempts: 3 });

    // Act
    const secret = await retrying.send(new GetSecretValueCommand({ SecretId: 'retried' }));
    retrying.destroy();

    // Assess
    expect(secret.SecretString).toBe('value');
    expect(secret.$metadata.attempts).toBe(3);
    expect(aws.secretReads).toHaveLength(3);
  });

  it('is reached through AWS_ENDPOINT_URL_SECRETS_MANAGER by a client without an endpoint option', async () => {
    // Prepare
    aws.putSecret('from-env', 'value');
    const previous = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = aws.url;
    const fromEnv = new SecretsManagerClient({ region, credentials, maxAttempts: 1 });

    // Act
    try {
      const secret = await fromEnv.send(new GetSecretValueCommand({ SecretId: 'from-env' }));

      // Assess
      expect(secret.SecretString).toBe('value');
      expect(aws.secretReads.map((read) => read.secretId)).toEqual(['from-env']);
    } finally {
      fromEnv.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = previous;
    }
  });
});

describe('LocalAws EventBridge', () => {
  it('records each accepted PutEvents entry with the envelope EventBridge builds', async () => {
    // Act
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'signalwire.calls',
            DetailType: 'CallUpdateRequested',
            Detail: JSON.stringify({ callSid: 'CA1', status: 'completed' }),
            EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/calls',
            Resources: ['arn:aws:lambda:us-east-1:123456789012:function:update'],
            Time: new Date('2026-11-27T14:00:00.789Z'),
          },
        ],
      }),
    );

    // Assess
    expect(result.FailedEntryCount).toBe(0);
    expect(aws.putEvents).toHaveLength(1);
    const [published] = aws.putEvents;
    expect(published?.eventBusName).toBe('calls');
    expect(result.Entries).toEqual([{ EventId: published?.envelope.id }]);
    expect(published?.envelope).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'CallUpdateRequested',
      source: 'signalwire.calls',
      account: '123456789012',
      time: '2026-11-27T14:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:lambda:us-east-1:123456789012:function:update'],
      detail: { callSid: 'CA1', status: 'completed' },
    });
  });

  it('stamps an entry without Time with the time received, to the second, on the default bus', async () => {
    // Act
    await events.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }));

    // Assess
    const [published] = aws.putEvents;
    expect(published?.eventBusName).toBe('default');
    expect(published?.envelope.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(published?.envelope.time ?? '') - Date.now())).toBeLessThan(5000);
    expect(published?.envelope.resources).toEqual([]);
  });

  it('fails invalid entries individually with the error codes EventBridge uses', async () => {
    // Act
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'ok', DetailType: 'Valid', Detail: '{"a":1}' },
          { Source: 'bad', DetailType: 'NoDetail' },
          { DetailType: 'NoSource', Detail: '{}' },
          { Source: 'bad', DetailType: 'ArrayDetail', Detail: '[1,2]' },
          { Source: 'bad', DetailType: 'NotJson', Detail: 'not json' },
        ],
      }),
    );

    // Assess
    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries?.[0]?.EventId).toBe(aws.putEvents[0]?.envelope.id);
    expect(result.Entries?.slice(1)).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
    ]);
    expect(aws.putEvents.map((event) => event.envelope['detail-type'])).toEqual(['Valid']);
  });

  it('rejects a request with more than 10 entries as a ValidationException', async () => {
    // Prepare
    const entries = Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' }));

    // Act & Assess
    await expect(events.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(aws.putEvents).toHaveLength(0);
  });

  it('rejects a request whose entries exceed the size limit as a ValidationException', async () => {
    // Prepare
    const detail = JSON.stringify({ padding: 'x'.repeat(1024 * 1024) });

    // Act & Assess
    await expect(
      events.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: detail }] })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
  });

  it('accepts entries of exactly 256 KiB together, as AWS counts them, and refuses one byte more', async () => {
    // Prepare: Source (1 byte) + DetailType (1 byte) + Time (14 bytes) + Detail, with a 3-byte character.
    const entry = (bytes: number) => {
      const padding = bytes - 2 - 14 - '{"p":""}'.length - 3;
      return {
        Source: 's',
        DetailType: 'd',
        Time: new Date(),
        Detail: JSON.stringify({ p: `€${'x'.repeat(padding)}` }),
      };
    };
    expect(MAX_PUT_EVENTS_BYTES).toBe(262_144);

    // Act
    const atLimit = await events.send(new PutEventsCommand({ Entries: [entry(MAX_PUT_EVENTS_BYTES)] }));
    const over = events.send(new PutEventsCommand({ Entries: [entry(MAX_PUT_EVENTS_BYTES + 1)] }));

    // Assess
    expect(atLimit.FailedEntryCount).toBe(0);
    await expect(over).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(aws.putEvents).toHaveLength(1);
  });

  it('fails an entry whose Detail nests deeper than 1000 levels, and keeps the others', async () => {
    // Prepare
    const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

    // Act
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 'deep-ok', Detail: nested(MAX_DETAIL_DEPTH) },
          { Source: 's', DetailType: 'too-deep', Detail: nested(MAX_DETAIL_DEPTH + 1) },
        ],
      }),
    );

    // Assess
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[1]).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed: nested deeper than 1000 levels.',
    });
    expect(aws.refusedEntries).toEqual([
      expect.objectContaining({ ErrorCode: 'MalformedDetail', detailType: 'too-deep' }),
    ]);
    expect(aws.putEvents.map((event) => event.envelope['detail-type'])).toEqual(['deep-ok']);
  });

  it('reports an event its target could not take: recorded, exposed and told, never dropped silently', async () => {
    // Prepare
    const told: UndeliverableEvent[] = [];
    const local = await LocalAws.start({ onUndeliverable: (report) => told.push(report) });
    const client = new EventBridgeClient({
      endpoint: local.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    local.addRule({ name: 'refusing-target' }, async () => {
      throw new RangeError('payload too large for the target');
    });

    try {
      // Act
      const result = await client.send(
        new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'Lost', Detail: '{"secret":"x"}' }] }),
      );
      await local.drainTargets();

      // Assess
      const expected = {
        rule: 'refusing-target',
        eventId: result.Entries?.[0]?.EventId,
        detailType: 'Lost',
        reason: 'RangeError: payload too large for the target',
      };
      expect(local.undeliverable).toEqual([expect.objectContaining(expected)]);
      expect(told).toEqual([expect.objectContaining(expected)]);
    } finally {
      client.destroy();
      await local.stop();
    }
  });

  it('invokes a rule target with the envelope of matching events only', async () => {
    // Prepare
    const delivered: EventBridgeEnvelope[] = [];
    aws.addRule(
      { name: 'call-updates', source: ['signalwire.calls'], detailType: ['CallUpdateRequested'] },
      async (event) => {
        delivered.push(event);
      },
    );

    // Act
    await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'signalwire.calls', DetailType: 'CallUpdateRequested', Detail: '{"callSid":"CA1"}' },
          { Source: 'other.app', DetailType: 'CallUpdateRequested', Detail: '{"callSid":"CA2"}' },
          { Source: 'signalwire.calls', DetailType: 'SomethingElse', Detail: '{"callSid":"CA3"}' },
          {
            Source: 'signalwire.calls',
            DetailType: 'CallUpdateRequested',
            Detail: '{"callSid":"CA4"}',
            EventBusName: 'another-bus',
          },
        ],
      }),
    );
    await aws.drainTargets();

    // Assess
    expect(delivered).toEqual([aws.putEvents[0]?.envelope]);
    expect(delivered[0]?.detail).toEqual({ callSid: 'CA1' });
  });

  it('records what a failing rule target throws without failing PutEvents', async () => {
    // Prepare
    aws.addRule({ name: 'broken' }, async () => {
      throw new Error('target failed');
    });

    // Act
    const result = await events.send(
      new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }),
    );
    await aws.drainTargets();

    // Assess
    expect(result.FailedEntryCount).toBe(0);
    expect(aws.targetErrors).toEqual([
      { rule: 'broken', eventId: result.Entries?.[0]?.EventId, error: new Error('target failed') },
    ]);
  });

  it('resolves waitForEvent with an event published after the wait began', async () => {
    // Prepare
    const waiting = aws.waitForEvent((event) => event.envelope.detail.callSid === 'CA9');

    // Act
    await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 'd', Detail: '{"callSid":"CA8"}' },
          { Source: 's', DetailType: 'd', Detail: '{"callSid":"CA9"}' },
        ],
      }),
    );

    // Assess
    const published = await waiting;
    expect(published.envelope.detail).toEqual({ callSid: 'CA9' });
    await expect(aws.waitForEvent((event) => event.envelope.detail.callSid === 'CA8')).resolves.toBe(
      aws.putEvents[0],
    );
  });

  it('rejects waitForEvent when no matching event arrives in time', async () => {
    // Act & Assess
    await expect(aws.waitForEvent(() => true, 30)).rejects.toThrow(
      'No matching event was published within 30 ms',
    );
  });
});
