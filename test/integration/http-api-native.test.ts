import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeEach, describe, expect, it } from 'vitest';
import { callSchema } from '#commons/signalwire/schemas';
import { type NativeSeeds, seedNativeCalls } from '#local/native-seeds';
import { emulatorRequests, NATIVE_COMMAND } from '../support/emulator-requests.ts';
import { useLocalStack } from '../support/local-stack-suite.ts';
import { operatorApi } from '../support/operator-api.ts';

const { stack, output } = useLocalStack({ SIGNALWIRE_TIMEOUT_MS: '800' });
const { sent, compatibilityUpdate, voiceLog, compatibilityRead } = emulatorRequests(stack);
const { request } = operatorApi(stack);
let native: NativeSeeds;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const isCall = ajv.compile(callSchema);

beforeEach(() => {
  // The calls npm start seeds, afresh for each test.
  native = seedNativeCalls(stack.emulator, stack.projectId);
  stack.emulator.clearRequests();
});

const writes = () => stack.emulator.requests.filter((r) => r.method === 'POST');
const UNKNOWN = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
/**
 * Puts the function's SignalWire connection in use, as a warm function's is: the client proves an idle
 * connection with a read before a redirect, which would otherwise open the request sequence.
 */
const warm = async () => {
  await request('GET', `/calls/${UNKNOWN}`);
  stack.emulator.clearRequests();
};

describe('the HTTP API on native calls (the Calling API owns them)', () => {
  it('terminates the AI agent call: 200 ended, then 200 already-ended, through calling.end only', async () => {
    const { id } = native.aiAgent;
    const first = await request('POST', `/calls/${id}/terminate`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-call-outcome')).toBe('updated');
    expect(first.json).toMatchObject({ sid: id, status: 'completed' });
    expect(isCall(first.json), JSON.stringify(isCall.errors)).toBe(true);
    const again = await request('POST', `/calls/${id}/terminate`);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-call-outcome')).toBe('already-ended');
    expect(stack.emulator.native.get(stack.projectId, id)?.status).toBe('ended');
    // Write-first: each terminate goes to the Compatibility API first; its 404 (nothing applied) sends it on.
    expect(sent()).toEqual([
      compatibilityUpdate(id),
      voiceLog(id),
      NATIVE_COMMAND,
      compatibilityUpdate(id),
      voiceLog(id),
      NATIVE_COMMAND,
      voiceLog(id),
    ]);
  });

  it('refuses Method for a native call with 400 naming it, after the Compatibility read’s 404, writing nothing to either API', async () => {
    const [call] = native.swml;
    await warm();
    const answer = await request(
      'POST',
      `/calls/${call?.id}`,
      'Url=https://example.com/hold.swml&Method=GET',
    );
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.json)).toContain('Method');
    expect(answer.headers.get('x-call-api')).toBeNull();
    expect(sent()).toEqual([compatibilityRead(call?.id ?? ''), voiceLog(call?.id ?? '')]);
    expect(stack.emulator.native.redirectsOf(stack.projectId, call?.id ?? '')).toEqual([]);
  });

  it('names every field a native call cannot take in one 400, FallbackUrl without Url beside StatusCallback, sending nothing', async () => {
    const [call] = native.swml;
    const answer = await request('POST', `/calls/${call?.id}`, {
      api: 'calling',
      Status: 'completed',
      StatusCallback: 'https://example.com/status',
      FallbackUrl: 'https://example.com/fallback.swml',
    });
    expect(answer.status).toBe(400);
    const { violations } = answer.json.error as { violations: { field: string; rule: string }[] };
    expect(violations.map(({ field, rule }) => `${field}/${rule}`)).toEqual([
      'StatusCallback/api',
      'FallbackUrl/api',
    ]);
    expect(sent()).toEqual([]);
  });

  it('redirects an answered SWML call once with update and url', async () => {
    const [call] = native.swml;
    await warm();
    const answer = await request('POST', `/calls/${call?.id}`, 'Url=https://example.com/hold.swml');
    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe('in-progress');
    expect(stack.emulator.native.redirectsOf(stack.projectId, call?.id ?? '')).toEqual([
      { url: 'https://example.com/hold.swml' },
    ]);
    // The Compatibility 404 is a definite refusal, not a lost redirect: the native redirect follows, once.
    expect(sent()).toEqual([compatibilityUpdate(call?.id ?? ''), voiceLog(call?.id ?? ''), NATIVE_COMMAND]);
  });

  it('cancels a queued call of the campaign and reads a ringing SWML call in the one vocabulary', async () => {
    const queued = native.campaign[0]?.id ?? '';
    expect((await request('POST', `/calls/${queued}/terminate`)).json.status).toBe('canceled');
    const ringing = await request('GET', `/calls/${native.swml[1]?.id}`);
    expect(ringing).toMatchObject({ status: 200, json: { status: 'ringing', sid: native.swml[1]?.id } });
  });

  it('answers 404 CALL_NOT_FOUND for a call neither API knows, sending no native command', async () => {
    const answer = await request('POST', `/calls/${UNKNOWN}/terminate`);
    expect(answer.status).toBe(404);
    expect(answer.json.error).toMatchObject({ code: 'CALL_NOT_FOUND' });
    expect(sent()).toEqual([compatibilityUpdate(UNKNOWN), voiceLog(UNKNOWN)]);
  });
});

describe('a change that names no API, on a Compatibility call (write-first)', () => {
  it('terminates it with exactly one request, the Compatibility update', async () => {
    const call = compatibilityCall();
    const answer = await request('POST', `/calls/${call.sid}/terminate`);
    expect(answer).toMatchObject({ status: 200, json: { sid: call.sid, status: 'completed' } });
    expect(answer.headers.get('x-call-api')).toBe('compatibility');
    expect(sent()).toEqual([compatibilityUpdate(call.sid)]);
  });

  it('redirects it on a warm connection with exactly one request, the Compatibility update', async () => {
    const call = compatibilityCall();
    await warm();
    const answer = await request('POST', `/calls/${call.sid}`, 'Url=https://example.com/next.xml');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-call-api')).toBe('compatibility');
    expect(sent()).toEqual([compatibilityUpdate(call.sid)]);
    expect(stack.emulator.redirectsOf(call.sid)).toEqual([
      expect.objectContaining({ url: 'https://example.com/next.xml' }),
    ]);
  });
});

const postJson = async (path: string, body: unknown) => {
  const response = await fetch(`${stack.api.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as {
      sid?: string;
      status?: string;
      error?: { code: string; message: string; violations?: Array<{ field: string; rule: string }> };
    },
  };
};
const compatibilityCall = () =>
  stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30 });

describe('POST /calls/{callSid}/transfer', () => {
  it('transfers an answered native call once with calling.transfer, answering the call and its api', async () => {
    const [call] = native.swml;
    const answer = await postJson(`/calls/${call?.id}/transfer`, { dest: 'sip:agent@example.com' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-call-api')).toBe('calling');
    expect(answer.headers.get('x-call-outcome')).toBe('updated');
    expect(answer.json).toMatchObject({ sid: call?.id, status: 'in-progress' });
    expect(stack.emulator.native.transfersOf(stack.projectId, call?.id ?? '')).toEqual([
      'sip:agent@example.com',
    ]);
    expect(writes().map((r) => r.json)).toEqual([
      { command: 'calling.transfer', id: call?.id, params: { dest: 'sip:agent@example.com' } },
    ]);
  });

  it.each([
    'sip:example.com',
    'sips:agent@example.com;transport=tls',
    'sip:agent@example.com:65535',
    'sip:agent@[2001:db8::1]',
    'sips:agent@[2001:db8::1]:5061;transport=tls',
  ])('takes the SIP URI %s as dest, sending it as given', async (dest) => {
    const [call] = native.swml;
    const answer = await postJson(`/calls/${call?.id}/transfer`, { dest, api: 'calling' });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(stack.emulator.native.transfersOf(stack.projectId, call?.id ?? '')).toEqual([dest]);
  });

  it('takes a phone number or a SWML URL as dest, with api=calling reading nothing first', async () => {
    const { id } = native.aiAgent;
    const answer = await postJson(`/calls/${id}/transfer`, { dest: '+14155550123', api: 'calling' });
    expect(answer.status).toBe(200);
    expect(stack.emulator.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/calling/calls']);
    const [call] = native.swml;
    const swml = await postJson(`/calls/${call?.id}/transfer`, { dest: 'https://example.com/queue.swml' });
    expect(swml.status).toBe(200);
  });

  it('passes on every parameter a Calling API 422 names, not only the first, in the one signalwire.message', async () => {
    const item = (attribute: string, message: string) => ({
      type: 'validation_error',
      code: 'invalid_parameter',
      message,
      attribute,
      url: 'https://signalwire.com/docs/apis/error-codes',
    });
    const errors = [
      item('dest', 'dest is not reachable'),
      item('from', 'from must be a number of the space'),
    ];
    stack.emulator.injectFault({
      kind: 'raw',
      status: 422,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errors }),
      applyFirst: false,
      pathPrefix: '/api/calling/',
    });
    const [call] = native.swml;
    const answer = await postJson(`/calls/${call?.id}/transfer`, { dest: '+14155550123', api: 'calling' });
    expect(answer.status).toBe(422);
    expect(answer.json.error).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      signalwire: { status: 422, message: 'dest is not reachable; from must be a number of the space' },
    });
  });

  it("refuses a Compatibility call's transfer with 400 naming transfer, sending nothing to either API", async () => {
    const call = compatibilityCall();
    const answer = await postJson(`/calls/${call.sid}/transfer`, { dest: 'sip:agent@example.com' });
    expect(answer.status).toBe(400);
    expect(answer.json.error?.violations).toContainEqual(expect.objectContaining({ field: 'transfer' }));
    expect(writes()).toHaveLength(0);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it.each([
    ['no dest', {}, 'dest', 'required'],
    ['a dest that is no destination', { dest: 'agent desk 4' }, 'dest', 'format'],
    ['a SWML URL with a password', { dest: 'https://user:pw@example.com/a.swml' }, 'dest', 'format'],
    ['a SIP URI with port 0', { dest: 'sip:agent@example.com:0' }, 'dest', 'format'],
    ['a SIP URI with port 99999', { dest: 'sips:agent@example.com:99999;transport=tls' }, 'dest', 'format'],
    ['a SIP URI with a port led by 0', { dest: 'sip:example.com:05060' }, 'dest', 'format'],
    ['an unknown field', { dest: '+14155550123', Url: 'https://example.com/a' }, 'Url', 'unknown-field'],
    ['an unknown api', { dest: '+14155550123', api: 'laml' }, 'api', 'enum'],
  ])('refuses %s with 400 naming the field, and sends nothing', async (_name, body, field, rule) => {
    const answer = await postJson(`/calls/${native.aiAgent.id}/transfer`, body);
    expect(answer.status).toBe(400);
    expect(answer.json.error?.violations).toContainEqual(expect.objectContaining({ field, rule }));
    expect(answer.json.error?.message).toContain(field);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it.each([
    [
      'a character to percent-encode',
      'https://example.com/a<b>.swml',
      'it holds a character to percent-encode',
    ],
    ['a % not in %XX', 'https://example.com/50%.swml', 'a % not in %XX'],
    [
      'an IPv6 host that is none',
      'https://[1:2]/a.swml',
      'its host is no name nor an IPv6 address in brackets',
    ],
    ['a password', 'https://user:pw@example.com/a.swml', 'it carries user:password@'],
    ['a SIP password', 'sip:agent:pw@example.com', 'it carries user:password@ (a SIP URI takes a user only)'],
    ['a SIP % not in %XX', 'sip:agent%zz@example.com', 'or the http(s) URL of a SWML script'],
  ])(
    'refuses a dest with %s as a callback URL is refused, saying why, and sends nothing',
    async (_name, dest, why) => {
      const answer = await postJson(`/calls/${native.aiAgent.id}/transfer`, { dest });

      expect(answer.status).toBe(400);
      expect(answer.json.error?.violations).toEqual([
        { field: 'dest', rule: 'format', message: expect.stringContaining(why) },
      ]);
      expect(stack.emulator.requests).toHaveLength(0);
    },
  );
});

describe('the audit record of a transfer', () => {
  it('says Transfer and where to, once, whether the transfer was applied or refused', async () => {
    const [call] = native.swml;
    const before = output.records().length;
    await postJson(`/calls/${call?.id}/transfer`, { dest: 'sip:agent@example.com' });
    await postJson(`/calls/${call?.id}/transfer`, { dest: 'agent desk 4' });
    expect(output.audits(before)).toEqual([
      expect.objectContaining({ change: { Transfer: 'sip:agent@example.com' }, outcome: 'updated' }),
      expect.objectContaining({ change: { Transfer: 'agent desk 4' }, outcome: 'rejected' }),
    ]);
  });
});

describe('a request naming the API that owns its call (api)', () => {
  it('terminates a native call with api=calling without asking the Compatibility API first', async () => {
    const { id } = native.aiAgent;
    const answer = await postJson(`/calls/${id}/terminate`, { api: 'calling' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-call-api')).toBe('calling');
    expect(stack.emulator.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/calling/calls']);
  });

  it('answers 404 CALL_NOT_FOUND when api=calling names a Compatibility call, changing nothing', async () => {
    const call = compatibilityCall();
    const ended = stack.emulator.seedCall(stack.projectId, { status: 'completed', ageSeconds: 90 });
    for (const sid of [call.sid, ended.sid]) {
      const answer = await postJson(`/calls/${sid}/terminate`, { api: 'calling' });
      expect(answer.status).toBe(404);
      expect(answer.json.error?.code).toBe('CALL_NOT_FOUND');
    }
    const read = await fetch(`${stack.api.url}/calls/${call.sid}?api=calling`);
    expect(read.status).toBe(404);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
    expect(writes().filter((r) => r.path.includes('/laml/'))).toHaveLength(0);
  });

  it('answers 404 CALL_NOT_FOUND when api=compatibility names a native call, changing nothing', async () => {
    const [call] = native.swml;
    const answer = await postJson(`/calls/${call?.id}`, {
      Url: 'https://example.com/a.xml',
      api: 'compatibility',
    });
    expect(answer.status).toBe(404);
    expect(answer.json.error?.code).toBe('CALL_NOT_FOUND');
    expect(stack.emulator.native.redirectsOf(stack.projectId, call?.id ?? '')).toEqual([]);
    expect(writes().filter((r) => r.path === '/api/calling/calls')).toHaveLength(0);
  });

  it('marks every answer with the API that owns the call, without api as with it', async () => {
    const call = compatibilityCall();
    const compatibility = await fetch(`${stack.api.url}/calls/${call.sid}`);
    expect(compatibility.headers.get('x-call-api')).toBe('compatibility');
    const nativeRead = await fetch(`${stack.api.url}/calls/${native.aiAgent.id}?api=calling`);
    expect(nativeRead.status).toBe(200);
    expect(nativeRead.headers.get('x-call-api')).toBe('calling');
    const ended = await postJson(`/calls/${call.sid}/terminate`, {});
    expect(ended.headers.get('x-call-api')).toBe('compatibility');
  });

  it('refuses api alone as an update, naming the body, and sends nothing', async () => {
    const answer = await postJson(`/calls/${native.aiAgent.id}`, { api: 'calling' });
    expect(answer.status).toBe(400);
    expect(answer.json.error?.violations).toContainEqual(expect.objectContaining({ field: 'body' }));
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe('a native call whose status SignalWire did not give', () => {
  /** The call as the Calling API renders it, with `status: null` (the spec allows it in a command's answer). */
  const withoutStatus = (id: string) =>
    JSON.stringify({ ...stack.emulator.native.get(stack.projectId, id), status: null });

  it('is answered with status null and no price after an end, never as queued', async () => {
    const { id } = native.aiAgent;
    stack.emulator.injectFault({ kind: 'garble', body: withoutStatus(id), pathPrefix: '/api/calling/' });

    const answer = await request('POST', `/calls/${id}/terminate?api=calling`);

    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('x-call-outcome')).toBe('updated');
    expect(answer.json).toMatchObject({ sid: id, status: null, price: null, api_version: 'calling' });
  });

  it('is answered with status null after an end answered with a status word not known here, not a 502', async () => {
    const { id } = native.aiAgent;
    const parked = JSON.stringify({ ...stack.emulator.native.get(stack.projectId, id), status: 'parked' });
    stack.emulator.injectFault({ kind: 'garble', body: parked, pathPrefix: '/api/calling/' });

    const answer = await request('POST', `/calls/${id}/terminate?api=calling`);

    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('x-call-outcome')).toBe('updated');
    expect(answer.json).toMatchObject({ sid: id, status: null });
  });

  it('is never answered already-ended when the end is refused and its voice log gives no status', async () => {
    const { id } = native.aiAgent;
    stack.emulator.injectFault({ kind: 'status', status: 404, method: 'POST', pathPrefix: '/api/calling/' });
    stack.emulator.injectFault({
      kind: 'garble',
      body: withoutStatus(id),
      pathPrefix: `/api/voice/logs/${id}`,
    });

    const answer = await request('POST', `/calls/${id}/terminate?api=calling`);

    expect(answer.headers.get('x-call-outcome')).not.toBe('already-ended');
    expect(answer.status, answer.text).toBe(404);
    expect(answer.json.error).toMatchObject({ code: 'CALL_NOT_FOUND' });
  });
});

describe('a native cancel (Status canceled) naming no API', () => {
  const voiceLogReads = (id: string) => sent().filter((line) => line === voiceLog(id)).length;

  it('reads the call’s voice log once: the read that found its owner also checks it is not answered', async () => {
    const queued = native.campaign[0]?.id ?? '';
    const answered = native.swml[0]?.id ?? '';

    const cancel = await request('POST', `/calls/${queued}`, 'Status=canceled');
    const refused = await request('POST', `/calls/${answered}`, 'Status=canceled');

    expect(cancel).toMatchObject({ status: 200, json: { status: 'canceled' } });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'CALL_STATE_CONFLICT' });
    expect(voiceLogReads(queued)).toBe(1);
    expect(voiceLogReads(answered)).toBe(1);
    expect(stack.emulator.native.get(stack.projectId, answered)?.status).toBe('answered');
  });
});

describe('a native call that ended between the operator’s read and the change', () => {
  it.each([
    ['a redirect', '', { Url: 'https://example.com/hold.swml', api: 'calling' }],
    ['a redirect naming no API', '', { Url: 'https://example.com/hold.swml' }],
    ['a transfer', '/transfer', { dest: 'sip:agent@example.com', api: 'calling' }],
  ])('%s is 409 CALL_STATE_CONFLICT saying it has ended, nothing changed', async (_name, route, body) => {
    const call = stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: 60 });
    const read = await request('GET', `/calls/${call.id}`);
    expect(read.json.status).toBe('in-progress');
    await postJson(`/calls/${call.id}/terminate`, { api: 'calling' });

    const answer = await postJson(`/calls/${call.id}${route}`, body);

    expect(answer.status).toBe(409);
    expect(answer.json.error).toMatchObject({ code: 'CALL_STATE_CONFLICT' });
    expect(answer.json.error?.message).toContain('already ended (completed)');
    expect(stack.emulator.native.redirectsOf(stack.projectId, call.id)).toEqual([]);
    expect(stack.emulator.native.transfersOf(stack.projectId, call.id)).toEqual([]);
  });
});
