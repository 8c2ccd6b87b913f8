import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callSchema } from '#commons/signalwire/schemas';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { type NativeSeeds, seedNativeCalls } from '#local/native-seeds';
import { captureOutput } from '../support/output-capture.ts';

const output = captureOutput();
let stack: LocalStack;
let native: NativeSeeds;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const isCall = ajv.compile(callSchema);

beforeAll(async () => {
  process.env.SIGNALWIRE_TIMEOUT_MS = '800';
  stack = await startLocalStack();
});
afterAll(async () => {
  await stack?.stop();
  output.restore();
});
beforeEach(() => {
  // The calls npm start seeds, afresh for each test.
  native = seedNativeCalls(stack.emulator, stack.projectId);
  stack.emulator.clearRequests();
  stack.emulator.clearFaults();
});

const request = async (method: string, path: string, form?: string) => {
  const response = await fetch(`${stack.api.url}${path}`, {
    method,
    ...(form === undefined
      ? {}
      : { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: JSON.parse(text) as Record<string, unknown>,
  };
};
const writes = () => stack.emulator.requests.filter((r) => r.method === 'POST');

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
    expect(writes().map((r) => r.path)).toEqual(['/api/calling/calls', '/api/calling/calls']);
  });

  it('refuses Method for a native call with 400 naming it, sending no change to either API', async () => {
    const [call] = native.swml;
    const answer = await request(
      'POST',
      `/calls/${call?.id}`,
      'Url=https://example.com/hold.swml&Method=GET',
    );
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.json)).toContain('Method');
    expect(writes()).toHaveLength(0);
    expect(stack.emulator.native.redirectsOf(stack.projectId, call?.id ?? '')).toEqual([]);
  });

  it('redirects an answered SWML call once with update and url', async () => {
    const [call] = native.swml;
    const answer = await request('POST', `/calls/${call?.id}`, 'Url=https://example.com/hold.swml');
    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe('in-progress');
    expect(stack.emulator.native.redirectsOf(stack.projectId, call?.id ?? '')).toEqual([
      { url: 'https://example.com/hold.swml' },
    ]);
    expect(writes()).toHaveLength(1);
  });

  it('cancels a queued call of the campaign and reads a ringing SWML call in the one vocabulary', async () => {
    const queued = native.campaign[0]?.id ?? '';
    expect((await request('POST', `/calls/${queued}/terminate`)).json.status).toBe('canceled');
    const ringing = await request('GET', `/calls/${native.swml[1]?.id}`);
    expect(ringing).toMatchObject({ status: 200, json: { status: 'ringing', sid: native.swml[1]?.id } });
  });

  it('answers 404 CALL_NOT_FOUND for a call neither API knows, sending no change', async () => {
    const answer = await request('POST', '/calls/3fa85f64-5717-4562-b3fc-2c963f66afa6/terminate');
    expect(answer.status).toBe(404);
    expect(answer.json.error).toMatchObject({ code: 'CALL_NOT_FOUND' });
    expect(writes()).toHaveLength(0);
  });
});
