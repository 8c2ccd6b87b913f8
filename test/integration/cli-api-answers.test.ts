import { afterEach, describe, expect, it } from 'vitest';
import { ApiBackend } from '../../cli/core/api-backend.ts';
import { CliError, hintText } from '../../cli/core/errors.ts';
import { type Script, startScriptedServer } from '../support/scripted-server.ts';

/**
 * What the CLI makes of answers the operator API never sends but a proxy, API Gateway or a broken deployment
 * may: each is a CliError with a code and a hint, never a TypeError reported as "unexpected failure".
 */

const SID = '3f2a6c1e-0000-4000-8000-000000000001';
let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  await close?.();
  close = undefined;
});

const backendAnswering = async (...script: Script[]) => {
  const server = await startScriptedServer(script);
  close = server.close;
  return backendAt(server.origin);
};

const backendAt = (apiUrl: string, timeoutMs?: number) =>
  new ApiBackend({
    apiUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    where: 'the test API',
    unreachableHint: 'start it',
    ...(timeoutMs ? { timeoutMs } : {}),
  });

const refusal = async (action: Promise<unknown>) => {
  const error = await action.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CliError);
  const cli = error as CliError;
  return {
    code: cli.code,
    message: cli.message,
    hint: hintText(cli.hint, (args) => `call-control ${args}`),
    exitCode: cli.exitCode,
  };
};

describe('odd 2xx answers from the operator API', () => {
  it('says a 200 that is not a page of calls is one (a proxy page, null, a call without a string SID)', async () => {
    for (const body of [
      '<html>proxy login</html>',
      'null',
      '[1,2]',
      '{"calls":null}',
      '{"calls":[{"sid":42}]}',
    ]) {
      const backend = await backendAnswering({ status: 200, body, headers: { 'content-type': 'text/html' } });
      const { code, message, hint, exitCode } = await refusal(backend.listPage({}));
      expect(code, body).toBe('UNREADABLE_ANSWER');
      // A read changed nothing: exit 1.
      expect(exitCode).toBe(1);
      expect(message).toContain('answered HTTP 200 with a body that is not a page of calls (text/html:');
      expect(hint).toContain('Is a proxy or another service answering');
      await close?.();
      close = undefined;
    }
  });

  it('says an end answered 200 with something that is not a call may have been applied, and how to check', async () => {
    const backend = await backendAnswering({ status: 200, body: '' });
    const { code, message, hint, exitCode } = await refusal(backend.endCall(SID));
    expect(code).toBe('UNREADABLE_ANSWER');
    // It may have been applied: exit 3, never 1 ("nothing changed").
    expect(exitCode).toBe(3);
    expect(message).toContain('with a body that is not a call');
    expect(hint).toContain("may or may not have been applied: `calls get` with the call's SID");
  });

  it('reads a call answered 200 as it is', async () => {
    const backend = await backendAnswering({ status: 200, body: { sid: SID, status: 'in-progress' } });
    await expect(backend.getCall(SID)).resolves.toMatchObject({ sid: SID, status: 'in-progress' });
  });
});

describe('refusals that carry no error code of ours', () => {
  it('names API Gateway throttling (429) and says how long to wait from Retry-After', async () => {
    const backend = await backendAnswering({
      status: 429,
      body: { message: 'Too Many Requests' },
      headers: { 'retry-after': '30' },
    });
    const { code, message, hint } = await refusal(backend.getCall(SID));
    expect({ code, message }).toEqual({ code: 'API_THROTTLED', message: 'Too Many Requests' });
    expect(hint).toContain('wait 30 s (Retry-After)');
  });

  it('names a session that expired (403 from API Gateway) with how to refresh it, not "check AWS_PROFILE"', async () => {
    const backend = await backendAnswering({
      status: 403,
      body: { message: 'The security token included in the request is expired' },
    });
    const { code, message, hint, exitCode } = await refusal(backend.endCall(SID));
    expect({ code, exitCode }).toEqual({ code: 'AWS_CREDENTIALS_EXPIRED', exitCode: 1 });
    expect(message).toBe(
      'the test API refused the request (403): your AWS session has expired (The security token included in the request is expired); this request changed nothing',
    );
    expect(hint).toContain('Refresh the session (`aws sso login`');
  });

  it('reads API Gateway’s own "Signature expired" wording and its Date: the clock is named, and by how much', async () => {
    const aws = new Date(Date.now() + 3 * 3600_000);
    const backend = await backendAnswering({
      status: 403,
      body: {
        message:
          'Signature expired: 20261206T180000Z is now earlier than 20261206T205500Z (20261206T210000Z - 5 min.)',
      },
      headers: { date: aws.toUTCString() },
    });
    const { code, message } = await refusal(backend.getCall(SID));
    expect(code).toBe('CLOCK_SKEW');
    expect(message).toMatch(/this computer's clock is behind by about (2h 59m|3h 00m) \(this computer says /);
  });

  it('says SignalWire’s Retry-After in the rate-limit hint instead of "a few seconds"', async () => {
    const backend = await backendAnswering({
      status: 503,
      body: { error: { code: 'UPSTREAM_RATE_LIMITED', message: 'SignalWire is rate-limiting this project' } },
      headers: { 'retry-after': '120' },
    });
    const { code, hint } = await refusal(backend.endCall(SID));
    expect(code).toBe('UPSTREAM_RATE_LIMITED');
    expect(hint).toBe('SignalWire is throttling the account: wait 120 s (Retry-After) and run it again.');
  });

  it('says a gateway 504 may have left a change applied', async () => {
    const backend = await backendAnswering({ status: 504, body: { message: 'Endpoint request timed out' } });
    const { code, message, hint, exitCode } = await refusal(backend.endCall(SID));
    expect({ code, message }).toEqual({ code: 'API_GATEWAY_ERROR', message: 'Endpoint request timed out' });
    expect(hint).toContain('may or may not have been applied');
    expect(exitCode).toBe(3);
  });

  it('exits 3 for a change whose outcome SignalWire left open (redirect unknown, too late, answer lost, 503 after forwarding), 1 for a read', async () => {
    const open = [
      { code: 'REDIRECT_OUTCOME_UNKNOWN', status: 502 },
      { code: 'UPSTREAM_TIMEOUT', status: 504 },
      { code: 'UPSTREAM_UNREACHABLE', status: 502 },
      { code: 'UPSTREAM_UNAVAILABLE', status: 503 },
    ];
    for (const { code: sent, status } of open) {
      const backend = await backendAnswering(
        { status, body: { error: { code: sent, message: 'no answer' } } },
        { status, body: { error: { code: sent, message: 'no answer' } } },
      );
      const change = await refusal(backend.updateCall(SID, { Url: 'https://example.com/a.xml' }));
      expect({ code: change.code, exitCode: change.exitCode }, sent).toEqual({ code: sent, exitCode: 3 });
      if (sent !== 'REDIRECT_OUTCOME_UNKNOWN') {
        expect(change.hint, sent).toMatch(/may or may not|shows whether it acted/);
        const read = await refusal(backend.getCall(SID));
        expect({ code: read.code, exitCode: read.exitCode }).toEqual({ code: sent, exitCode: 1 });
        expect(read.hint ?? '', sent).not.toContain('may or may not');
      }
      await close?.();
      close = undefined;
    }
    // A refusal of a change (nothing applied) still exits 1.
    const refused = await refusal(
      (
        await backendAnswering({ status: 404, body: { error: { code: 'CALL_NOT_FOUND', message: 'no' } } })
      ).endCall(SID),
    );
    expect(refused.exitCode).toBe(1);
  });

  it('says a read that SignalWire or the gateway left unanswered changed nothing (no "whether it acted")', async () => {
    const unanswered = [
      { status: 504, body: { error: { code: 'UPSTREAM_TIMEOUT', message: 'no answer' } } },
      { status: 504, body: { message: 'Endpoint request timed out' } },
    ];
    for (const answer of unanswered) {
      const backend = await backendAnswering(answer, answer, answer);
      const read = await refusal(backend.getCall(SID));
      expect(read.hint, read.code).toContain('nothing was changed');
      expect(read.hint, read.code).not.toMatch(/acted|may or may not/);
      const list = await refusal(backend.listPage({}));
      expect(list.hint, list.code).toContain('nothing was changed');
      const change = await refusal(backend.endCall(SID));
      expect(change.hint, change.code).toMatch(/whether it acted|may or may not have been applied/);
      await close?.();
      close = undefined;
    }
  });

  it('reads only strings from an error body: an object as the message is not printed as one', async () => {
    const backend = await backendAnswering({
      status: 500,
      body: { error: { code: 7, message: { nested: true } } },
    });
    const { code, message } = await refusal(backend.getCall(SID));
    expect(code).toBe('API_GATEWAY_ERROR');
    expect(message).toBe('the test API answered HTTP 500');
  });
});

describe('requests whose answer never came', () => {
  it('says an end that got no answer in time may have been applied, and how to check (not "could not reach")', async () => {
    const server = await startScriptedServer([
      { status: 200, body: { sid: SID, status: 'completed' }, delayMs: 2_000 },
    ]);
    close = server.close;
    const { code, message, hint, exitCode } = await refusal(backendAt(server.origin, 300).endCall(SID));
    expect(code).toBe('API_OUTCOME_UNKNOWN');
    expect(exitCode).toBe(3);
    expect(message).toBe(
      `no answer from the test API at ${server.origin} within 300 ms: the change may or may not have been applied`,
    );
    expect(hint).toContain("`calls get` with the call's SID shows the call before you retry");
    expect(server.received).toHaveLength(1);
  });

  it('says an end whose connection was dropped after sending may have been applied', async () => {
    const backend = await backendAnswering({ drop: true });
    const { code, message } = await refusal(backend.endCall(SID));
    expect(code).toBe('API_OUTCOME_UNKNOWN');
    expect(message).toContain('was lost');
  });

  it('keeps "could not reach" for a request refused before it was sent, and for a read', async () => {
    const server = await startScriptedServer([{ drop: true }]);
    const { origin } = server;
    await server.close();
    const refused = await refusal(backendAt(origin).endCall(SID));
    expect(refused.code).toBe('API_UNREACHABLE');
    expect(refused.exitCode).toBe(1);
    expect(refused.message).toContain('could not reach the test API');
    expect(refused.hint).toBe('start it');
    const read = await refusal((await backendAnswering({ drop: true })).getCall(SID));
    expect(read.code).toBe('API_UNREACHABLE');
  });
});
