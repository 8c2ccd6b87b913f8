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
    expect(writes().map((request) => request.path)).toEqual(['/api/calling/calls', '/api/calling/calls']);
    expect(writes().some((request) => request.path.startsWith('/api/laml'))).toBe(false);
    expect(audits.map((audit) => audit.outcome)).toEqual(['updated', 'already-ended']);
  });

  it('resolves a Compatibility call to the Compatibility API and sends nothing to the native one', async () => {
    const call = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const outcome = await serviceFor().apply(command(call.sid, { kind: 'terminate' }));
    expect(outcome).toMatchObject({ ok: true, api: 'compatibility', call: { status: 'completed' } });
    expect(emulator.requests.some((request) => request.path.startsWith('/api/calling'))).toBe(false);
    expect(audits).toHaveLength(1);
  });

  it('refuses Method for a native call by name, sending no change to either API', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const outcome = await serviceFor().apply(
      command(id, { kind: 'update', update: { Url: 'https://example.com/next', Method: 'GET' } }),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.httpStatus).toBe(400);
    expect(outcome.error.message).toMatch(/^Method is a Compatibility API field/);
    expect(writes()).toHaveLength(0);
    expect(audits).toHaveLength(1);
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
    const outcome = await serviceFor().apply(
      command(id, { kind: 'update', update: { Url: 'https://example.com/ai' } }),
    );
    expect(outcome).toMatchObject({
      ok: true,
      api: 'calling',
      outcome: 'updated',
      call: { status: 'in-progress' },
    });
    expect(emulator.native.redirectsOf(PROJECT, id)).toEqual([{ url: 'https://example.com/ai' }]);
    expect(writes()).toHaveLength(1);
  });

  it('cancels a queued native call of a campaign with calling.end (reason cancel)', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'queued' });
    const outcome = await serviceFor().apply(command(id, { kind: 'terminate', status: 'canceled' }));
    expect(outcome).toMatchObject({ ok: true, call: { status: 'canceled' } });
    expect(writes()[0]?.json).toMatchObject({ command: 'calling.end', params: { reason: 'cancel' } });
  });

  it('answers CALL_NOT_FOUND for a call neither API knows, sending no change', async () => {
    const outcome = await serviceFor().apply(command(UNKNOWN, { kind: 'terminate' }));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
    expect(writes()).toHaveLength(0);
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
    expect(writes()).toHaveLength(1);
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
    expect(writes()).toHaveLength(0);
    expect(emulator.getCall(PROJECT, call.sid)?.status).toBe('in-progress');
    expect(audits).toEqual([
      expect.objectContaining({ change: { Transfer: '+15550100' }, outcome: 'rejected' }),
    ]);
  });
});
