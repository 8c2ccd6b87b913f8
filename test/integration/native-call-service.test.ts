import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallingClient } from '#commons/calling/client';
import type { AuditRecord } from '#commons/calls/audit';
import { withNativeCalls } from '#commons/calls/native-calls';
import { type CallCommand, createCallService } from '#commons/calls/service';
import { SignalWireClient } from '#commons/signalwire/client';
import { SignalWireEmulator } from '#local/signalwire-emulator';

const PROJECT = '7d3c1f0e-5a2b-4c8d-9e6f-1a2b3c4d5e6f';
const TOKEN = 'PTsecret-token-one';
const UNKNOWN = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
let emulator: SignalWireEmulator;
let audits: AuditRecord[];

const serviceFor = () => {
  const client = new SignalWireClient({
    projectId: PROJECT,
    apiToken: TOKEN,
    spaceOrigin: emulator.url,
    staleAfterMs: 60_000,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 100 },
  });
  const access = {
    forAccount: async () => client,
    nativeFor: async () => new CallingClient(client),
  };
  const log = { info: (_: string, { audit }: { audit: AuditRecord }) => void audits.push(audit) };
  return withNativeCalls(createCallService(access, log), access, log);
};

const command = (callSid: string, action: CallCommand['action'], extra: Partial<CallCommand> = {}) => ({
  trigger: 'http' as const,
  actor: { name: 'arn:aws:iam::123456789012:user/ops', attested: {}, claimed: {} },
  callSid,
  action,
  ...extra,
});

const writes = () => emulator.requests.filter((request) => request.method === 'POST');
/** Every request the emulator received, as `METHOD path`. */
const sent = () => emulator.requests.map((request) => `${request.method} ${request.path}`);
const compatibilityUpdate = (sid: string) =>
  `POST /api/laml/2010-04-01/Accounts/${PROJECT}/Calls/${sid}.json`;
const voiceLog = (id: string) => `GET /api/voice/logs/${id}`;
const compatibilityRead = (sid: string) => `GET /api/laml/2010-04-01/Accounts/${PROJECT}/Calls/${sid}.json`;
const NATIVE_COMMAND = 'POST /api/calling/calls';

/**
 * The service on a connection in use (as a warm function's): the client proves an idle connection with a read
 * before a redirect, so without this a redirect's requests would start with that read.
 */
const warmService = async () => {
  const service = serviceFor();
  await service.get({ callSid: UNKNOWN }).catch(() => undefined);
  emulator.clearRequests();
  return service;
};

beforeEach(async () => {
  audits = [];
  emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: TOKEN }] });
});
afterEach(() => emulator.stop());

describe('the call service over both APIs', () => {
  it('terminates a native call through calling.end: updated, then already-ended, each audited once', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 60 });
    const service = serviceFor();
    const first = await service.apply(command(id, { kind: 'terminate' }));
    expect(first).toMatchObject({
      ok: true,
      api: 'calling',
      outcome: 'updated',
      call: { sid: id, status: 'completed' },
    });
    const second = await service.apply(command(id, { kind: 'terminate' }));
    expect(second).toMatchObject({ ok: true, api: 'calling', outcome: 'already-ended' });
    // Write-first: each terminate goes to the Compatibility API, whose 404 (nothing applied) sends it on.
    expect(sent()).toEqual([
      compatibilityUpdate(id),
      voiceLog(id),
      NATIVE_COMMAND,
      compatibilityUpdate(id),
      voiceLog(id),
      NATIVE_COMMAND,
      voiceLog(id),
    ]);
    expect(audits.map((audit) => audit.outcome)).toEqual(['updated', 'already-ended']);
  });

  it('terminates a Compatibility call with its one update request, reading nothing first', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const outcome = await serviceFor().apply(command(call.sid, { kind: 'terminate' }));
    expect(outcome).toMatchObject({ ok: true, api: 'compatibility', call: { status: 'completed' } });
    expect(sent()).toEqual([compatibilityUpdate(call.sid)]);
    expect(audits).toEqual([expect.objectContaining({ outcome: 'updated', callSid: call.sid })]);
  });

  it('redirects a Compatibility call with its one update request, reading nothing first', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const outcome = await (await warmService()).apply(
      command(call.sid, { kind: 'update', update: { Url: 'https://example.com/next.xml' } }),
    );
    expect(outcome).toMatchObject({ ok: true, api: 'compatibility', outcome: 'updated' });
    expect(sent()).toEqual([compatibilityUpdate(call.sid)]);
    expect(emulator.redirectsOf(call.sid)).toHaveLength(1);
    expect(audits).toHaveLength(1);
  });

  it('reads a Compatibility call first when the change carries Method, then sends the one update', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const outcome = await (await warmService()).apply(
      command(call.sid, { kind: 'update', update: { Url: 'https://example.com/next.xml', Method: 'GET' } }),
    );
    expect(outcome).toMatchObject({ ok: true, api: 'compatibility', outcome: 'updated' });
    expect(sent()).toEqual([compatibilityRead(call.sid), compatibilityUpdate(call.sid)]);
    expect(emulator.redirectsOf(call.sid)).toHaveLength(1);
    expect(audits).toHaveLength(1);
  });

  it('fails a Method change whose Compatibility read fails, audited once, writing nothing', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const service = await warmService();
    // Every read answered 500, retries included.
    emulator.injectFault({ kind: 'status', status: 500, method: 'GET', times: 10 });
    const outcome = await service.apply(
      command(call.sid, { kind: 'update', update: { Url: 'https://example.com/next.xml', Method: 'GET' } }),
    );
    expect(outcome.ok).toBe(false);
    expect(sent().filter((line) => line.startsWith('POST'))).toEqual([]);
    expect(emulator.redirectsOf(call.sid)).toHaveLength(0);
    expect(audits).toEqual([expect.objectContaining({ outcome: 'failed' })]);
  });

  it('reports a failed Compatibility update as it is, never sending the change on to the native API', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'status', status: 500, method: 'POST' });
    const outcome = await (await warmService()).apply(
      command(call.sid, { kind: 'update', update: { Url: 'https://example.com/next.xml' } }),
    );
    expect(outcome).toMatchObject({
      ok: false,
      api: 'compatibility',
      error: { code: 'REDIRECT_OUTCOME_UNKNOWN' },
    });
    expect(sent()).toEqual([compatibilityUpdate(call.sid)]);
    expect(audits).toEqual([
      expect.objectContaining({ outcome: 'failed', errorCode: 'REDIRECT_OUTCOME_UNKNOWN' }),
    ]);
  });

  it('refuses Method for a native call by name after the Compatibility read’s 404, writing nothing to either API', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const outcome = await (await warmService()).apply(
      command(id, { kind: 'update', update: { Url: 'https://example.com/next', Method: 'GET' } }),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome).toMatchObject({ api: 'calling', error: { httpStatus: 400 } });
    expect(outcome.error.message).toMatch(/^Method is a Compatibility API field/);
    expect(sent()).toEqual([compatibilityRead(id), voiceLog(id)]);
    expect(emulator.native.redirectsOf(PROJECT, id)).toEqual([]);
    expect(audits).toEqual([expect.objectContaining({ outcome: 'rejected', errorCode: 'INVALID_REQUEST' })]);
  });

  it('refuses StatusCallback for a native call named as such without reading anything', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const outcome = await serviceFor().apply({
      ...command(id, {
        kind: 'update',
        update: { Status: 'completed', StatusCallback: 'https://example.com/s' },
      }),
      api: 'calling',
    });
    expect(outcome).toMatchObject({ ok: false, error: { httpStatus: 400 } });
    expect(emulator.requests).toHaveLength(0);
  });

  it('redirects a native call with update and url, once', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const outcome = await (await warmService()).apply(
      command(id, { kind: 'update', update: { Url: 'https://example.com/ai' } }),
    );
    expect(outcome).toMatchObject({
      ok: true,
      api: 'calling',
      outcome: 'updated',
      call: { status: 'in-progress' },
    });
    expect(emulator.native.redirectsOf(PROJECT, id)).toEqual([{ url: 'https://example.com/ai' }]);
    // The Compatibility 404 is a definite refusal, not a lost redirect: the native redirect follows, once.
    expect(sent()).toEqual([compatibilityUpdate(id), voiceLog(id), NATIVE_COMMAND]);
    expect(audits).toHaveLength(1);
  });

  it('cancels a queued native call of a campaign with calling.end (reason cancel)', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'queued' });
    const outcome = await serviceFor().apply(command(id, { kind: 'terminate', status: 'canceled' }));
    expect(outcome).toMatchObject({ ok: true, call: { status: 'canceled' } });
    expect(sent()).toEqual([compatibilityUpdate(id), voiceLog(id), NATIVE_COMMAND]);
    expect(writes()[1]?.json).toMatchObject({ command: 'calling.end', params: { reason: 'cancel' } });
  });

  it('refuses Status canceled on an answered native call with CALL_STATE_CONFLICT, leaving the call up', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 60 });
    const outcome = await serviceFor().apply(command(id, { kind: 'update', update: { Status: 'canceled' } }));
    expect(outcome).toMatchObject({
      ok: false,
      api: 'calling',
      error: { code: 'CALL_STATE_CONFLICT', httpStatus: 409 },
    });
    expect(emulator.native.get(PROJECT, id)?.status).toBe('answered');
    // The voice log that found the call's owner also shows it answered: read once, and no calling.end is sent.
    expect(sent()).toEqual([compatibilityUpdate(id), voiceLog(id)]);
    expect(audits).toEqual([expect.objectContaining({ errorCode: 'CALL_STATE_CONFLICT' })]);
  });

  it('cancels a ringing native call asked for Status canceled with calling.end (reason cancel)', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'ringing' });
    const outcome = await serviceFor().apply(
      command(id, { kind: 'update', update: { Status: 'canceled' } }, {
        api: 'calling',
      } as Partial<CallCommand>),
    );
    expect(outcome).toMatchObject({ ok: true, api: 'calling', call: { status: 'canceled' } });
    expect(sent()).toEqual([voiceLog(id), NATIVE_COMMAND]);
    expect(writes()[0]?.json).toMatchObject({ command: 'calling.end', params: { reason: 'cancel' } });
  });

  it.each([404, 503] as const)(
    'cancels a queued native call whose voice log answers %i (not written yet, or the logs API failing)',
    async (status) => {
      const { id } = emulator.native.seed(PROJECT, { status: 'queued' });
      emulator.injectFault({
        kind: 'status',
        status,
        method: 'GET',
        pathPrefix: '/api/voice/logs/',
        times: 10,
      });
      const outcome = await serviceFor().apply(
        command(id, { kind: 'update', update: { Status: 'canceled' } }, {
          api: 'calling',
        } as Partial<CallCommand>),
      );
      expect(outcome).toMatchObject({ ok: true, api: 'calling' });
      expect(writes()[0]?.json).toMatchObject({ command: 'calling.end', params: { reason: 'cancel' } });
      expect(emulator.native.get(PROJECT, id)?.status).not.toBe('queued');
    },
  );

  it('names the voice-log-id assumption when the Calling API answers 404 for a call its voice log shows live', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 60 });
    emulator.injectFault({ kind: 'status', status: 404, method: 'POST', pathPrefix: '/api/calling' });
    const outcome = await serviceFor().apply(
      command(id, { kind: 'terminate' }, { api: 'calling' } as Partial<CallCommand>),
    );
    expect(outcome).toMatchObject({ ok: false, api: 'calling', error: { httpStatus: 502 } });
    expect(outcome.ok ? '' : outcome.error.code).not.toBe('CALL_NOT_FOUND');
    expect(JSON.stringify(outcome.ok ? {} : outcome.error)).toMatch(/voice-log-id-is-call-id/);
    expect(emulator.native.get(PROJECT, id)?.status).toBe('answered');
  });

  it('answers CALL_NOT_FOUND for a call neither API knows, sending no native command', async () => {
    const outcome = await serviceFor().apply(command(UNKNOWN, { kind: 'terminate' }));
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'CALL_NOT_FOUND', signalwire: { status: 404 } },
    });
    expect(outcome).not.toHaveProperty('api');
    expect(sent()).toEqual([compatibilityUpdate(UNKNOWN), voiceLog(UNKNOWN)]);
    expect(audits).toEqual([expect.objectContaining({ outcome: 'rejected', errorCode: 'CALL_NOT_FOUND' })]);
  });

  it('answers CALL_NOT_FOUND for a Compatibility 404 whose voice log is not native, sending no native command', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    // The Compatibility API answers this call's update 404 (a fault), while its voice log says laml.
    emulator.injectFault({ kind: 'status', status: 404, method: 'POST', pathPrefix: '/api/laml/' });
    const outcome = await serviceFor().apply(command(call.sid, { kind: 'terminate' }));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
    expect(sent()).toEqual([compatibilityUpdate(call.sid), voiceLog(call.sid)]);
    expect(audits).toHaveLength(1);
  });

  it('sends a change naming api: compatibility to the Compatibility API only, a native call there CALL_NOT_FOUND', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const outcome = await serviceFor().apply({ ...command(id, { kind: 'terminate' }), api: 'compatibility' });
    expect(outcome).toMatchObject({ ok: false, api: 'compatibility', error: { code: 'CALL_NOT_FOUND' } });
    expect(sent()).toEqual([compatibilityUpdate(id)]);
    expect(audits).toHaveLength(1);
  });

  it('reads a native call in the one vocabulary (answered as in-progress)', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered', direction: 'inbound' });
    const call = await serviceFor().get({ callSid: id });
    expect(call).toMatchObject({
      sid: id,
      status: 'in-progress',
      direction: 'inbound',
      account_sid: PROJECT,
    });
  });

  it('reads a Compatibility call with one Compatibility request, and neither kind twice', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    expect(await serviceFor().get({ callSid: call.sid })).toMatchObject({
      sid: call.sid,
      status: 'in-progress',
    });
    expect(emulator.requests.map((request) => request.path)).toEqual([
      `/api/laml/2010-04-01/Accounts/${PROJECT}/Calls/${call.sid}.json`,
    ]);
  });

  it('transfers a native call once with calling.transfer, audited as a transfer to its destination', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const outcome = await serviceFor().transfer({
      ...command(id, { kind: 'terminate' }),
      dest: 'sip:desk@example.com',
    });
    expect(outcome).toMatchObject({ ok: true, api: 'calling', outcome: 'updated' });
    expect(emulator.native.transfersOf(PROJECT, id)).toEqual(['sip:desk@example.com']);
    // One voice-log read tells the owner (it holds both kinds); no Compatibility request.
    expect(sent()).toEqual([voiceLog(id), NATIVE_COMMAND]);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ change: { Transfer: 'sip:desk@example.com' }, outcome: 'updated' });
    expect(audits[0]?.change).not.toHaveProperty('Url');
  });

  it('refuses to transfer a Compatibility call by name, sending no change', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const outcome = await serviceFor().transfer({
      ...command(call.sid, { kind: 'terminate' }),
      dest: '+15550100',
    });
    expect(outcome).toMatchObject({ ok: false, error: { httpStatus: 400 } });
    if (!outcome.ok) expect(outcome.error.message).toMatch(/^transfer is a native Calling API command/);
    // Its voice log says laml: refused on that one read.
    expect(sent()).toEqual([voiceLog(call.sid)]);
    expect(emulator.getCall(PROJECT, call.sid)?.status).toBe('in-progress');
    expect(audits).toEqual([
      expect.objectContaining({ change: { Transfer: '+15550100' }, outcome: 'rejected' }),
    ]);
  });

  it('answers CALL_NOT_FOUND to a transfer of a call neither API knows, after the voice log and the Compatibility read', async () => {
    const outcome = await serviceFor().transfer({
      ...command(UNKNOWN, { kind: 'terminate' }),
      dest: '+15550100',
    });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
    expect(sent()).toEqual([
      voiceLog(UNKNOWN),
      `GET /api/laml/2010-04-01/Accounts/${PROJECT}/Calls/${UNKNOWN}.json`,
    ]);
    expect(audits).toEqual([
      expect.objectContaining({ change: { Transfer: '+15550100' }, outcome: 'rejected' }),
    ]);
  });

  it('refuses a transfer by name for a Compatibility call without a voice log, found by the Compatibility read', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'status', status: 404, method: 'GET', pathPrefix: '/api/voice/logs/' });
    const outcome = await serviceFor().transfer({
      ...command(call.sid, { kind: 'terminate' }),
      dest: '+15550100',
    });
    expect(outcome).toMatchObject({ ok: false, api: 'compatibility', error: { httpStatus: 400 } });
    expect(sent()).toEqual([
      voiceLog(call.sid),
      `GET /api/laml/2010-04-01/Accounts/${PROJECT}/Calls/${call.sid}.json`,
    ]);
    expect(emulator.getCall(PROJECT, call.sid)?.status).toBe('in-progress');
  });
});

describe('a refusal names the project the secret resolved, when no project was named', () => {
  const transfer = (callSid: string) => ({ ...command(callSid, { kind: 'terminate' }), dest: '+15550100' });

  it.each([
    [
      'a call neither API knows, ended',
      (s: ReturnType<typeof serviceFor>) => s.apply(command(UNKNOWN, { kind: 'terminate' })),
    ],
    [
      'a call neither API knows, transferred',
      (s: ReturnType<typeof serviceFor>) => s.transfer(transfer(UNKNOWN)),
    ],
    [
      'a call neither API knows, its Method changed',
      (s: ReturnType<typeof serviceFor>) =>
        s.apply(
          command(UNKNOWN, { kind: 'update', update: { Url: 'https://example.com/x', Method: 'GET' } }),
        ),
    ],
  ])('%s: CALL_NOT_FOUND for the default project, not for no project', async (_, act) => {
    const outcome = await act(serviceFor());
    expect(outcome).toMatchObject({ ok: false, accountSid: PROJECT, error: { code: 'CALL_NOT_FOUND' } });
    expect(audits).toEqual([expect.objectContaining({ accountSid: PROJECT, outcome: 'rejected' })]);
  });

  it('a Compatibility call refused a transfer by its voice log', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const outcome = await serviceFor().transfer(transfer(call.sid));
    expect(outcome).toMatchObject({ ok: false, accountSid: PROJECT, error: { code: 'INVALID_REQUEST' } });
  });

  it('a Method change whose Compatibility read SignalWire refused (400), writing nothing', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const service = await warmService();
    emulator.injectFault({ kind: 'status', status: 400, method: 'GET', times: 10 });
    const outcome = await service.apply(
      command(call.sid, { kind: 'update', update: { Url: 'https://example.com/next.xml', Method: 'GET' } }),
    );
    // Final (remembered by the event function), whatever its code.
    expect(outcome).toMatchObject({ ok: false, accountSid: PROJECT, error: { retryable: false } });
    expect(sent().filter((line) => line.startsWith('POST'))).toEqual([]);
  });
});
