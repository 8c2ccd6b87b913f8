import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AUDIT_MESSAGE } from '#commons/calls/audit';
import { callSchema, updateCallFormSchema } from '#commons/signalwire/schemas';
import { CALL_UPDATE_FIELDS, type Call } from '#commons/signalwire/types';
import { toApiGatewayEvent } from '#local/api-gateway';
import { createLambdaContext } from '#local/lambda-context';
import { useHandler, useLocalStack } from '../support/local-stack-suite.ts';
import { type Answer, operatorApi } from '../support/operator-api.ts';

const { stack, output } = useLocalStack({ SIGNALWIRE_TIMEOUT_MS: '800', POWERTOOLS_LOG_LEVEL: 'INFO' });
// The same module instance the local API Gateway serves (configuration is read at import).
const httpApi = useHandler<(event: unknown, context: unknown) => Promise<unknown>>(
  () => import('../../functions/http-api.ts'),
);
/** Every API token the emulator accepted during this file: none may leak. */
const tokens: string[] = [];
const { request, answers } = operatorApi(stack);

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const isCall = ajv.compile(callSchema);
const isUpdateForm = ajv.compile(updateCallFormSchema);

beforeAll(() => {
  tokens.push(stack.apiToken);
});

const seed = (status: Call['status'], ageSeconds = 120) =>
  stack.emulator.seedCall(stack.projectId, { status, ageSeconds });
const posts = () => stack.emulator.requests.filter((r) => r.method === 'POST');
const errorOf = (answer: Answer) => answer.json.error as Record<string, unknown>;

describe('POST /calls/{callSid}/terminate', () => {
  it('ends an in-progress call and answers the whole Call resource as SignalWire returned it', async () => {
    const call = seed('in-progress');

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-call-outcome')).toBe('updated');
    expect(answer.json.status).toBe('completed');
    expect(isCall(answer.json), JSON.stringify(isCall.errors)).toBe(true);
    expect(Object.keys(answer.json).sort()).toEqual([...callSchema.required].sort());
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
  });

  it('sends exactly Status=completed, form-encoded, to the documented path with Basic auth', async () => {
    const call = seed('in-progress');

    await request('POST', `/calls/${call.sid}/terminate`);

    const [sent] = posts();
    expect(sent?.path).toBe(`/api/laml/2010-04-01/Accounts/${stack.projectId}/Calls/${call.sid}.json`);
    expect(sent?.contentType).toBe('application/x-www-form-urlencoded');
    expect(sent?.basicUser).toBe(stack.projectId);
    expect(sent?.authOk).toBe(true);
    expect(sent?.form).toEqual({ Status: 'completed' });
    expect(isUpdateForm(sent?.form)).toBe(true);
  });

  it('is idempotent: a call that already ended answers 200 with its current state', async () => {
    const call = seed('in-progress');
    await request('POST', `/calls/${call.sid}/terminate`);

    const again = await request('POST', `/calls/${call.sid}/terminate`);

    expect(again.status).toBe(200);
    expect(again.headers.get('x-call-outcome')).toBe('already-ended');
    expect(again.json).toMatchObject({ sid: call.sid, status: 'completed' });
  });

  it('ends a ringing call too', async () => {
    const call = seed('ringing');

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status).toBe(200);
    expect(['completed', 'canceled']).toContain(answer.json.status);
  });

  it('answers 404 for a call SignalWire does not know', async () => {
    const answer = await request('POST', `/calls/${randomUUID()}/terminate`);

    expect(answer.status).toBe(404);
    expect(errorOf(answer)).toMatchObject({
      code: 'CALL_NOT_FOUND',
      signalwire: { code: 20404, status: 404 },
    });
  });
});

describe('POST /calls/{callSid}', () => {
  it('redirects a live call with a form body and sends exactly the given fields', async () => {
    const call = seed('in-progress');

    const answer = await request(
      'POST',
      `/calls/${call.sid}`,
      'Url=https%3A%2F%2Fexample.com%2Fnext.xml&Method=GET&FallbackUrl=https%3A%2F%2Fexample.com%2Ffb.xml',
    );

    expect(answer.status).toBe(200);
    expect(isCall(answer.json)).toBe(true);
    const redirect = posts().at(-1);
    expect(redirect?.form).toEqual({
      Url: 'https://example.com/next.xml',
      Method: 'GET',
      FallbackUrl: 'https://example.com/fb.xml',
    });
    expect(stack.emulator.redirectsOf(call.sid)).toEqual([
      { url: 'https://example.com/next.xml', method: 'GET' },
    ]);
  });

  it('accepts JSON with camelCase field names', async () => {
    const call = seed('in-progress');

    const answer = await request('POST', `/calls/${call.sid}`, {
      statusCallback: 'https://example.com/status',
      statusCallbackMethod: 'POST',
    });

    expect(answer.status).toBe(200);
    expect(posts().at(-1)?.form).toEqual({
      StatusCallback: 'https://example.com/status',
      StatusCallbackMethod: 'POST',
    });
  });

  it('describes a 10000 from List Calls as a refused listing (422), never as a call-state conflict', async () => {
    stack.emulator.injectFault({ kind: 'status', status: 400, method: 'GET' });

    const answer = await request('GET', '/calls?status=in-progress');

    expect(answer.status).toBe(422);
    const error = errorOf(answer);
    expect(error.code).toBe('UPSTREAM_REJECTED');
    expect(error.signalwire).toMatchObject({ code: 10000 });
  });

  it('answers 409 with SignalWire code and message when Status=canceled meets an in-progress call', async () => {
    const call = seed('in-progress');

    const answer = await request('POST', `/calls/${call.sid}`, 'Status=canceled');

    expect(answer.status).toBe(409);
    const error = errorOf(answer);
    expect(error.code).toBe('CALL_STATE_CONFLICT');
    expect(error.signalwire).toMatchObject({ code: 10000 });
    expect(typeof (error.signalwire as { message: unknown }).message).toBe('string');
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it('answers 409 with code 21220 for a redirect of a call that is not in progress', async () => {
    const call = seed('ringing');

    const answer = await request('POST', `/calls/${call.sid}`, { Url: 'https://example.com/x.xml' });

    expect(answer.status).toBe(409);
    expect(errorOf(answer).signalwire).toMatchObject({ code: 21220 });
  });

  it('works under /accounts/{accountSid} for a configured project and refuses an unknown one', async () => {
    const call = seed('in-progress');

    const named = await request('POST', `/accounts/${stack.projectId}/calls/${call.sid}`, {
      Status: 'completed',
    });
    const unknown = await request('POST', `/accounts/${randomUUID()}/calls/${call.sid}/terminate`);

    expect(named.status).toBe(200);
    expect(named.json.status).toBe('completed');
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).code).toBe('ACCOUNT_NOT_CONFIGURED');
  });

  it('refuses an account SID in the path that is not in canonical lower case, naming the canonical form', async () => {
    const call = seed('in-progress');
    const secretReads = stack.aws.secretReads.length;

    const answers = [
      await request('POST', `/accounts/${stack.projectId.toUpperCase()}/calls/${call.sid}/terminate`),
      await request('GET', `/accounts/${stack.projectId.toUpperCase()}/calls`),
    ];

    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(errorOf(answer)).toMatchObject({
        code: 'INVALID_REQUEST',
        violations: [
          {
            field: 'accountSid',
            rule: 'canonical',
            message: `accountSid in the path must be in lower case: /accounts/${stack.projectId}/…`,
          },
        ],
      });
    }
    expect(stack.emulator.requests).toHaveLength(0);
    expect(stack.aws.secretReads.length).toBe(secretReads);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });
});

describe('validation: every rejected request names the field and never reaches SignalWire', () => {
  const sid = 'b3877c40-da60-4998-90ad-b792e98472ca';
  const cases: Array<[string, string, string, string | Record<string, unknown> | undefined, string, string]> =
    [
      ['a malformed call SID', 'POST', '/calls/not-a-sid/terminate', undefined, 'callSid', 'sid'],
      ['a malformed SID on update', 'POST', '/calls/CA123', { Status: 'completed' }, 'callSid', 'sid'],
      ['no field at all', 'POST', `/calls/${sid}`, {}, 'body', 'required'],
      ['no body at all', 'POST', `/calls/${sid}`, undefined, 'body', 'required'],
      ['an unknown Status', 'POST', `/calls/${sid}`, 'Status=busy', 'Status', 'enum'],
      [
        'a lower-case Method',
        'POST',
        `/calls/${sid}`,
        { Url: 'https://e.com/a', Method: 'get' },
        'Method',
        'enum',
      ],
      ['a relative Url', 'POST', `/calls/${sid}`, { Url: '/laml.xml' }, 'Url', 'url'],
      ['a non-http Url', 'POST', `/calls/${sid}`, { Url: 'ftp://example.com/a.xml' }, 'Url', 'url'],
      ['Method without Url', 'POST', `/calls/${sid}`, { Method: 'POST' }, 'Method', 'requires'],
      [
        'FallbackMethod without FallbackUrl',
        'POST',
        `/calls/${sid}`,
        'FallbackMethod=GET',
        'FallbackMethod',
        'requires',
      ],
      [
        'StatusCallbackMethod without StatusCallback',
        'POST',
        `/calls/${sid}`,
        { StatusCallbackMethod: 'GET' },
        'StatusCallbackMethod',
        'requires',
      ],
      [
        'Status with Url',
        'POST',
        `/calls/${sid}`,
        { Status: 'completed', Url: 'https://e.com/a' },
        'Status',
        'exclusive',
      ],
      [
        'an unknown field',
        'POST',
        `/calls/${sid}`,
        { Status: 'completed', To: '+15550100' },
        'To',
        'unknown-field',
      ],
      [
        'a field named twice',
        'POST',
        `/calls/${sid}`,
        { Status: 'completed', status: 'completed' },
        'Status',
        'duplicate',
      ],
      [
        'a repeated form field',
        'POST',
        `/calls/${sid}`,
        'Status=completed&Status=canceled',
        'Status',
        'type',
      ],
      ['invalid JSON', 'POST', `/calls/${sid}`, undefined, 'body', 'json'],
      ['a body on terminate', 'POST', `/calls/${sid}/terminate`, { Status: 'canceled' }, 'body', 'empty'],
      ['a page size over 1000', 'GET', '/calls?pageSize=5000', undefined, 'pageSize', 'range'],
      ['an unknown list status', 'GET', '/calls?status=running', undefined, 'status', 'enum'],
      ['an unknown list filter', 'GET', '/calls?colour=blue', undefined, 'colour', 'unknown-field'],
      ['a forged cursor', 'GET', '/calls?cursor=aHR0cHM6Ly9ldmlsLmV4YW1wbGU', undefined, 'cursor', 'format'],
      [
        'a repeated query parameter',
        'GET',
        '/calls?status=ringing&status=queued',
        undefined,
        'status',
        'type',
      ],
      [
        'a repeated query parameter on terminate',
        'POST',
        `/calls/${sid}/terminate?api=calling&api=compatibility`,
        undefined,
        'api',
        'type',
      ],
      [
        'a cursor smuggling other parameters',
        'GET',
        `/calls?cursor=${Buffer.from('/api/laml/2010-04-01/Accounts/7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d/Calls.json?Status=queued&PageSize=100000').toString('base64url')}`,
        undefined,
        'cursor',
        'format',
      ],
      ['a start time that is not a date', 'GET', '/calls?startTime=abc', undefined, 'startTime', 'date'],
      [
        'an end-time filter that is not a date',
        'GET',
        '/calls?endTimeAfter=zz',
        undefined,
        'endTimeAfter',
        'date',
      ],
      [
        'a day that does not exist',
        'GET',
        '/calls?startTimeAfter=2024-02-30',
        undefined,
        'startTimeAfter',
        'date',
      ],
      ['a bare number as a date', 'GET', '/calls?startTimeBefore=12', undefined, 'startTimeBefore', 'date'],
      [
        'credentials inside a Url',
        'POST',
        `/calls/${sid}`,
        { Url: 'https://user:pw@example.com/a.xml' },
        'Url',
        'url',
      ],
      ['a Url without a host', 'POST', `/calls/${sid}`, { Url: 'https://@/x' }, 'Url', 'url'],
      [
        'a JSON body that is an array',
        'POST',
        `/calls/${sid}`,
        [] as unknown as Record<string, unknown>,
        'body',
        'type',
      ],
      [
        'a JSON body that is a string',
        'POST',
        `/calls/${sid}`,
        'x' as unknown as Record<string, unknown>,
        'body',
        'type',
      ],
    ];

  it.each(cases)('refuses %s with 400 naming the field', async (_name, method, path, body, field, rule) => {
    const answer =
      _name === 'invalid JSON' || _name.startsWith('a JSON body')
        ? await fetch(`${stack.api.url}${path}`, {
            method,
            body: _name === 'invalid JSON' ? '{"Status": ' : JSON.stringify(body),
            headers: { 'content-type': 'application/json' },
          }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }))
        : await request(method, path, body);

    expect(answer.status).toBe(400);
    const error = answer.json.error as {
      code: string;
      message: string;
      violations: Array<Record<string, string>>;
    };
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.violations).toContainEqual(expect.objectContaining({ field, rule }));
    expect(error.message).toContain(field);
    expect(stack.emulator.requests).toHaveLength(0);
    expect(error.violations.map((v) => v.rule)).not.toContain(rule === 'type' ? 'exclusive' : '-');
  });

  it('writes an audit record for a refused update, without the credentials a Url carried', async () => {
    const before = output.records().length;

    await request('POST', `/calls/${sid}`, { Url: 'https://user:secretpw@example.com/a.xml' });

    const audits = output.audits(before);
    expect(audits).toEqual([
      expect.objectContaining({
        trigger: 'http',
        callSid: sid,
        outcome: 'rejected',
        errorCode: 'INVALID_REQUEST',
        change: { Url: 'https://***@example.com/a.xml' },
      }),
    ]);
    expect(output.lines.join('')).not.toContain('secretpw');
  });

  it.each([
    'https:user:secretpw@example.com/x',
    'https:///user:secretpw@example.com/x',
    'https:\\\\user:secretpw@example.com/x',
    ' https://user:secretpw@example.com/x',
  ])('keeps credentials out of the audit record of a refused Url spelled %j', async (Url) => {
    const before = output.lines.length;

    const answer = await request('POST', `/calls/${sid}`, { Url });

    expect(answer.status).toBe(400);
    expect(output.lines.slice(before).join('')).toContain('***@');
    expect(output.lines.slice(before).join('')).not.toContain('secretpw');
  });

  it("accepts dates in SignalWire's RFC 2822 and in ISO 8601 as list filters, sent on in RFC 2822 GMT", async () => {
    const answer = await request(
      'GET',
      `/calls?startTimeAfter=${encodeURIComponent('Wed, 19 Sep 2018 20:00:00 +0000')}&startTimeBefore=2026-11-27T14:00:00Z`,
    );

    expect(answer.status).toBe(200);
    expect(stack.emulator.requests[0]?.query).toMatchObject({
      'StartTime>': 'Wed, 19 Sep 2018 20:00:00 +0000',
      'StartTime<': 'Fri, 27 Nov 2026 14:00:00 +0000',
    });
  });

  it('accepts a call SID pasted in upper case', async () => {
    const call = seed('in-progress');

    const answer = await request('GET', `/calls/${call.sid.toUpperCase()}`);

    expect(answer.status).toBe(200);
    expect(answer.json.sid).toBe(call.sid);
  });

  it('refuses a body of another media type with 415, and a huge body with 413', async () => {
    const plain = await fetch(`${stack.api.url}/calls/${sid}`, {
      method: 'POST',
      body: 'Status=completed',
      headers: { 'content-type': 'text/plain' },
    });
    const huge = await request('POST', `/calls/${sid}`, { Url: `https://example.com/${'a'.repeat(10_000)}` });

    expect(plain.status).toBe(415);
    expect(huge.status).toBe(413);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('lists the allowed fields when an unknown one is sent', async () => {
    const answer = await request('POST', `/calls/${sid}`, { Colour: 'red' });

    expect(errorOf(answer).message).toContain(CALL_UPDATE_FIELDS.join(', '));
  });
});

describe('GET /calls and GET /calls/{callSid}', () => {
  it('lists calls by status, page by page, with a cursor', async () => {
    const seeded = Array.from({ length: 7 }, () => seed('queued').sid);

    const first = await request('GET', '/calls?status=queued&pageSize=5');
    const second = await request('GET', `/calls?cursor=${first.json.next_cursor}`);

    expect(first.status).toBe(200);
    const listed = [...(first.json.calls as Call[]), ...(second.json.calls as Call[])];
    expect(listed.every((c) => c.status === 'queued')).toBe(true);
    expect(listed.map((c) => c.sid)).toEqual(expect.arrayContaining(seeded));
    expect(stack.emulator.requests[0]?.query).toMatchObject({ Status: 'queued', PageSize: '5' });
  });

  it('accepts SignalWire spellings of the filters', async () => {
    seed('ringing');

    const answer = await request('GET', '/calls?Status=ringing&PageSize=2');

    expect(answer.status).toBe(200);
    expect((answer.json.calls as Call[]).every((c) => c.status === 'ringing')).toBe(true);
  });

  it('defect: parentCallSid not normalised: finds the child of a parent given in upper case, on every page', async () => {
    const parent = seed('in-progress');
    const children = [1, 2].map(
      () =>
        stack.emulator.seedCall(stack.projectId, {
          status: 'in-progress',
          ageSeconds: 30,
          parentCallSid: parent.sid,
        }).sid,
    );

    const first = await request('GET', `/calls?parentCallSid=${parent.sid.toUpperCase()}&pageSize=1`);
    const second = await request('GET', `/calls?cursor=${first.json.next_cursor}`);

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const listed = [...(first.json.calls as Call[]), ...(second.json.calls as Call[])].map((c) => c.sid);
    expect(listed.sort()).toEqual([...children].sort());
    // Every List Calls request carries the canonical parent (the voice logs, read after the last page, have no
    // such filter: the native calls are compared with it here).
    const listCalls = stack.emulator.requests.filter((r) => r.path.endsWith('/Calls.json'));
    expect(listCalls.map((r) => r.query.ParentCallSid)).toEqual([parent.sid, parent.sid]);
  });

  it('defect: date-only exact filter changed meaning: startTime=<day> lists the calls started that UTC day', async () => {
    const at = (iso: string) =>
      stack.emulator.seedCall(stack.projectId, {
        status: 'completed',
        ageSeconds: 0,
        startTime: new Date(iso),
      }).sid;
    const before = at('2031-03-14T23:59:59Z');
    const morning = at('2031-03-15T00:00:00Z');
    const evening = at('2031-03-15T23:59:59Z');
    const after = at('2031-03-16T00:00:00Z');

    const answer = await request('GET', '/calls?startTime=2031-03-15&pageSize=50');

    expect(answer.status).toBe(200);
    const listed = (answer.json.calls as Call[]).map((c) => c.sid);
    expect(listed.sort()).toEqual([morning, evening].sort());
    expect(listed).not.toContain(before);
    expect(listed).not.toContain(after);
    expect(stack.emulator.requests[0]?.query).toEqual({
      'StartTime>': 'Sat, 15 Mar 2031 00:00:00 +0000',
      'StartTime<': 'Sun, 16 Mar 2031 00:00:00 +0000',
      PageSize: '50',
    });
  });

  it('defect: date-only exact filter: endTime=<day> is sent as that UTC day, an instant stays exact', async () => {
    await request('GET', '/calls?endTime=2031-03-15');
    await request('GET', '/calls?endTime=2031-03-15T10:00:00Z');

    expect(stack.emulator.requests.map((r) => r.query)).toEqual([
      { 'EndTime>': 'Sat, 15 Mar 2031 00:00:00 +0000', 'EndTime<': 'Sun, 16 Mar 2031 00:00:00 +0000' },
      { EndTime: 'Sat, 15 Mar 2031 10:00:00 +0000' },
    ]);
  });

  it('reads one call', async () => {
    const call = seed('in-progress');

    const answer = await request('GET', `/calls/${call.sid}`);

    expect(answer.status).toBe(200);
    expect(isCall(answer.json)).toBe(true);
    expect(answer.json.sid).toBe(call.sid);
  });
});

describe('upstream faults', () => {
  it('retries 503 and succeeds', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'status', status: 503, times: 2, method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status).toBe(200);
    expect(posts()).toHaveLength(3);
  });

  it('surfaces a 429 storm as 503 with Retry-After after bounded retries', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'status', status: 429, times: 20, method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(errorOf(answer)).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryable: true });
    expect(posts()).toHaveLength(4);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it('honours a Retry-After that SignalWire sends', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'status', status: 429, retryAfter: '1', method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status).toBe(200);
    const [first, second] = posts();
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('does not resend a redirect whose answer was lost, and says the outcome is unknown', async () => {
    const call = seed('in-progress');
    await request('GET', `/calls/${call.sid}`);
    stack.emulator.injectFault({ kind: 'drop', applyFirst: true, method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}`, { Url: 'https://example.com/next.xml' });

    expect(answer.status).toBe(502);
    expect(errorOf(answer)).toMatchObject({ code: 'REDIRECT_OUTCOME_UNKNOWN', retryable: false });
    expect(posts()).toHaveLength(1);
    expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
  });

  it('does not resend a redirect that timed out, and answers 504', async () => {
    const call = seed('in-progress');
    await request('GET', `/calls/${call.sid}`);
    stack.emulator.injectFault({ kind: 'delay', ms: 1_500, method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}`, { Url: 'https://example.com/slow.xml' });

    expect(answer.status).toBe(504);
    expect(errorOf(answer).code).toBe('REDIRECT_OUTCOME_UNKNOWN');
    expect(posts()).toHaveLength(1);
  });

  it.each([
    ['500 after applying it', { kind: 'status', status: 500, applyFirst: true, method: 'POST' }, 502],
    [
      'a gateway 502 after applying it',
      { kind: 'status', status: 502, applyFirst: true, method: 'POST' },
      502,
    ],
    [
      'a gateway 504 after applying it',
      { kind: 'status', status: 504, applyFirst: true, method: 'POST' },
      504,
    ],
    ['200 with a body that is not JSON', { kind: 'garble', method: 'POST' }, 502],
  ] as const)(
    'sends a redirect answered %s once, final: REDIRECT_OUTCOME_UNKNOWN, not retryable',
    async (_name, fault, status) => {
      const call = seed('in-progress');
      await request('GET', `/calls/${call.sid}`);
      stack.emulator.injectFault(fault);

      const answer = await request('POST', `/calls/${call.sid}`, { Url: 'https://example.com/once.xml' });

      expect(answer.status).toBe(status);
      expect(errorOf(answer)).toMatchObject({ code: 'REDIRECT_OUTCOME_UNKNOWN', retryable: false });
      expect(posts()).toHaveLength(1);
      expect(stack.emulator.redirectsOf(call.sid)).toEqual([
        { url: 'https://example.com/once.xml', method: 'POST' },
      ]);
    },
  );

  it('answers a terminate met by a 502 as retryable: ending a call is safe to repeat', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'status', status: 502, method: 'POST' });

    const failed = await request('POST', `/calls/${call.sid}/terminate`);
    const again = await request('POST', `/calls/${call.sid}/terminate`);

    expect(failed.status).toBe(502);
    expect(errorOf(failed)).toMatchObject({ code: 'UPSTREAM_ERROR', retryable: true });
    expect(again.status).toBe(200);
    expect(posts()).toHaveLength(2);
  });

  it('reports a failed safety read before a redirect as retryable, having sent no redirect', async () => {
    const call = seed('in-progress');
    // An idle gap by the wall clock: the client reads the call before redirecting it.
    const now = Date.now.bind(Date);
    const idle = vi.spyOn(Date, 'now').mockImplementation(() => now() + 60_000);
    stack.emulator.injectFault({ kind: 'drop', method: 'GET', times: 2 });

    const answer = await request('POST', `/calls/${call.sid}`, { Url: 'https://example.com/after-gap.xml' });
    idle.mockRestore();

    expect(answer.status).toBe(502);
    expect(errorOf(answer)).toMatchObject({ code: 'UPSTREAM_UNREACHABLE', retryable: true });
    expect(stack.emulator.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(stack.emulator.redirectsOf(call.sid)).toEqual([]);
  });

  it('resends a terminate whose connection dropped (ending a call is safe to repeat)', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'drop', applyFirst: true, method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe('completed');
    expect(posts()).toHaveLength(2);
  });

  it.each([
    [
      'completed',
      'in-progress',
      'whose connection dropped',
      { kind: 'drop', applyFirst: true, method: 'POST' },
    ],
    ['canceled', 'queued', 'answered 503', { kind: 'status', status: 503, applyFirst: true, method: 'POST' }],
  ] as const)(
    'answers Status=%s on an %s call, applied and %s, then refused on its resend as ended, 200 already-ended (not 409)',
    async (status, state, _how, fault) => {
      const call = seed(state);
      stack.emulator.injectFault(fault);

      const answer = await request('POST', `/calls/${call.sid}`, { Status: status });

      expect(answer.status, answer.text).toBe(200);
      expect(answer.headers.get('x-call-outcome')).toBe('already-ended');
      expect(answer.json.status).toBe(status);
      expect(posts()).toHaveLength(2);
    },
  );

  it('keeps the 409 of a Status end whose first attempt was answered 429: a 429 is answered before anything is done', async () => {
    // The first attempt ends the call and is answered 429: the emulator's way to have the call end between two
    // attempts of which the first was certainly not applied. Its resend's refusal is no resend's refusal.
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'status', status: 429, applyFirst: true, method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}`, { Status: 'completed' });

    expect(answer.status, answer.text).toBe(409);
    expect(errorOf(answer).code).toBe('CALL_STATE_CONFLICT');
    expect(posts()).toHaveLength(2);
  });

  it('keeps the 409 of a callback change resent after a lost answer and refused as the call has ended: no end was asked', async () => {
    const call = seed('completed');
    stack.emulator.injectFault({ kind: 'drop', method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}`, {
      StatusCallback: 'https://example.com/status',
    });

    expect(answer.status, answer.text).toBe(409);
    expect(errorOf(answer).code).toBe('CALL_STATE_CONFLICT');
    expect(posts()).toHaveLength(2);
  });

  it('still refuses Status=completed on a call that had ended before it was sent: 409, sent once', async () => {
    const call = seed('completed');

    const answer = await request('POST', `/calls/${call.sid}`, { Status: 'completed' });

    expect(answer.status).toBe(409);
    expect(errorOf(answer).code).toBe('CALL_STATE_CONFLICT');
    expect(posts()).toHaveLength(1);
  });

  it('answers 504 when SignalWire does not answer a read in time', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'delay', ms: 1_500, times: 2, method: 'GET' });

    const answer = await request('GET', `/calls/${call.sid}`);

    expect(answer.status).toBe(504);
    expect(errorOf(answer).code).toBe('UPSTREAM_TIMEOUT');
  });

  it('recovers from a rotated token by reading the secret once more', async () => {
    const call = seed('in-progress');
    const rotated = `PT${randomUUID().replace(/-/g, '')}`;
    tokens.push(rotated);
    stack.emulator.setToken(stack.projectId, rotated);
    const secretReads = stack.aws.secretReads.length;
    stack.aws.putSecret(
      'signalwire/call-control',
      JSON.stringify({ projectId: stack.projectId, apiToken: rotated, spaceUrl: stack.emulator.url }),
    );

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status).toBe(200);
    expect(stack.aws.secretReads.length - secretReads).toBe(1);
    // Write-first: the terminate itself meets the old token (refused, nothing applied), then goes out once
    // more with the new one, and nothing else is sent.
    expect(stack.emulator.requests.map((r) => [r.method, r.authOk])).toEqual([
      ['POST', false],
      ['POST', true],
    ]);
  });

  it('answers 502, not 401, when SignalWire rejects the configured credentials', async () => {
    const call = seed('in-progress');
    const current = tokens.at(-1) as string;
    stack.emulator.setToken(stack.projectId, `PT${randomUUID()}`);

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    stack.emulator.setToken(stack.projectId, current);
    expect(answer.status).toBe(502);
    expect(errorOf(answer)).toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      signalwire: { code: 20003, status: 401 },
    });
  });
});

describe('when the function runs out of time', () => {
  it('answers 504 with the redirect outcome unknown, aborts the request, and writes one audit record', async () => {
    const call = seed('in-progress');
    await request('GET', `/calls/${call.sid}`);
    stack.emulator.clearRequests();
    stack.emulator.injectFault({ kind: 'delay', ms: 1_500, method: 'POST' });
    const body = JSON.stringify({ Url: 'https://example.com/late.xml' });
    const event = toApiGatewayEvent(
      {
        method: 'POST',
        url: `/calls/${call.sid}`,
        rawHeaders: ['Host', 'api.example.com', 'Content-Type', 'application/json'],
        body: Buffer.from(body),
        sourceIp: '203.0.113.10',
        localPort: 443,
      },
      {
        routeKey: 'POST /calls/{callSid}',
        pathParameters: { callSid: call.sid },
        accountId: '123456789012',
        apiId: 'api',
        requestId: 'timeout-test',
      },
    );
    const before = output.records().length;

    // 1.8 s left: requests to SignalWire are abandoned a second before the end; SignalWire takes 1.5 s.
    const result = (await httpApi()(
      event,
      createLambdaContext({ functionName: 'http-api', timeoutMs: 1_800 }),
    )) as {
      statusCode: number;
      body: string;
    };

    expect(result.statusCode).toBe(504);
    expect(JSON.parse(result.body).error.code).toBe('REDIRECT_OUTCOME_UNKNOWN');
    const audits = output.audits(before);
    expect(audits).toEqual([
      expect.objectContaining({
        callSid: call.sid,
        outcome: 'failed',
        errorCode: 'REDIRECT_OUTCOME_UNKNOWN',
      }),
    ]);
    expect(posts()).toHaveLength(1);
  });
});

describe('audit and secrecy', () => {
  it('writes one audit record per action with trigger, actor, account, call, change and outcome', async () => {
    const call = seed('in-progress');
    const before = output.records().length;

    await request('POST', `/calls/${call.sid}/terminate`);
    await request('POST', `/calls/${call.sid}`, 'Status=canceled');

    const audits = output.audits(before);
    const auditLines = output
      .records()
      .slice(before)
      .filter((r) => r.message === AUDIT_MESSAGE);
    for (const line of auditLines) {
      expect(line).toMatchObject({ callSid: call.sid, apiRequestId: expect.any(String) });
      expect(line.function_request_id).toEqual(expect.any(String));
    }
    expect(audits).toEqual([
      expect.objectContaining({
        trigger: 'http',
        actor: {
          name: expect.stringMatching(/^arn:aws:iam::/),
          attested: {
            invokedAs: expect.stringMatching(/^arn:aws:lambda:[^:]+:\d{12}:function:[^:]+:api-gateway$/),
            principal: expect.stringMatching(/^arn:aws:iam::/),
            accountId: expect.any(String),
          },
          claimed: {},
        },
        accountSid: stack.projectId,
        callSid: call.sid,
        change: { Status: 'completed' },
        outcome: 'updated',
        resultingStatus: 'completed',
      }),
      expect.objectContaining({
        callSid: call.sid,
        change: { Status: 'canceled' },
        outcome: 'rejected',
        errorCode: 'CALL_STATE_CONFLICT',
        signalwireCode: 10000,
      }),
    ]);
  });

  it('never writes the API token to any log line or response', () => {
    const everything = output.lines.join('');

    expect(everything.length).toBeGreaterThan(0);
    expect(everything).toContain(AUDIT_MESSAGE);
    for (const token of tokens) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(Buffer.from(`${stack.projectId}:${token}`).toString('base64'));
      for (const answer of answers) expect(answer.text).not.toContain(token);
    }
  });
});

describe('odd 2xx body: an answer that is not a usable Call', () => {
  const deeplyNested = (sid: string) =>
    `{"sid":"${sid}","status":"in-progress","extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;

  it.each([
    ['null', () => 'null'],
    ['a deeply nested body', deeplyNested],
    ['wrong types', (sid: string) => JSON.stringify({ sid, status: ['in-progress'] })],
  ] as const)(
    'odd 2xx body (%s) to a redirect: 502 REDIRECT_OUTCOME_UNKNOWN, not retryable, one POST, one audit record',
    async (_name, body) => {
      const call = seed('in-progress');
      await request('GET', `/calls/${call.sid}`);
      stack.emulator.clearRequests();
      stack.emulator.injectFault({ kind: 'garble', body: body(call.sid), method: 'POST' });
      const before = output.records().length;

      const answer = await request('POST', `/calls/${call.sid}`, { Url: 'https://example.com/odd.xml' });

      expect(answer.status).toBe(502);
      expect(errorOf(answer)).toMatchObject({ code: 'REDIRECT_OUTCOME_UNKNOWN', retryable: false });
      expect(posts()).toHaveLength(1);
      expect(output.audits(before)).toEqual([
        expect.objectContaining({
          callSid: call.sid,
          outcome: 'failed',
          errorCode: 'REDIRECT_OUTCOME_UNKNOWN',
        }),
      ]);
    },
  );

  it('odd 2xx body to a terminate: a described, retryable 502 naming what was wrong, one audit record', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'garble', body: 'null', method: 'POST' });
    const before = output.records().length;

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status).toBe(502);
    expect(errorOf(answer)).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      signalwire: { message: 'SignalWire answered 200 with a body that is null, not a Call' },
    });
    expect(output.audits(before)).toEqual([
      expect.objectContaining({ callSid: call.sid, outcome: 'failed' }),
    ]);
  });
});

describe('deadline during 429/503 backoff', () => {
  it('deadline during 429/503 backoff: answers 504 UPSTREAM_TIMEOUT, retryable, not 500 INTERNAL_ERROR', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'status', status: 429, retryAfter: '5', method: 'POST' });
    const event = toApiGatewayEvent(
      {
        method: 'POST',
        url: `/calls/${call.sid}/terminate`,
        rawHeaders: ['Host', 'api.example.com'],
        body: Buffer.alloc(0),
        sourceIp: '203.0.113.10',
        localPort: 443,
      },
      {
        routeKey: 'POST /calls/{callSid}/terminate',
        pathParameters: { callSid: call.sid },
        accountId: '123456789012',
        apiId: 'api',
        requestId: 'backoff-deadline',
      },
    );

    const result = (await httpApi()(
      event,
      createLambdaContext({ functionName: 'http-api', timeoutMs: 1_800 }),
    )) as {
      statusCode: number;
      body: string;
    };

    expect(result.statusCode).toBe(504);
    expect(JSON.parse(result.body).error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryable: true });
  });
});

describe('finding 9, end to end: upstream error text that echoes the credentials', () => {
  it.each([
    // The logs carry SignalWire's message for a refusal (the audit record's error), its code only otherwise.
    ['a 400 to an end', 400, 'POST', true],
    ['a 500 to an end', 500, 'POST', false],
    ['a 502 to a read', 502, 'GET', false],
  ] as const)(
    '%s whose message echoes the Authorization header and the token: neither reaches the HTTP answer or the logs, the message arrives scrubbed',
    async (_name, status, method, messageLogged) => {
      const call = seed('in-progress');
      const basic = Buffer.from(`${stack.projectId}:${stack.apiToken}`).toString('base64');
      stack.emulator.injectFault({
        kind: 'status',
        status,
        method,
        times: 4,
        message: `refused; you sent Authorization: Basic ${basic} (token ${stack.apiToken})`,
      });
      const logged = output.lines.length;

      const answer =
        method === 'GET'
          ? await request('GET', `/calls/${call.sid}`)
          : await request('POST', `/calls/${call.sid}/terminate`);

      const logs = output.lines.slice(logged).join('');
      for (const credential of [stack.apiToken, basic, basic.slice(0, 12)]) {
        expect(answer.text).not.toContain(credential);
        expect(logs).not.toContain(credential);
      }
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(errorOf(answer).signalwire).toMatchObject({
        status,
        message: 'refused; you sent Authorization: [redacted] (token [redacted])',
      });
      if (messageLogged) expect(logs).toContain('you sent Authorization: [redacted]');
    },
  );
});
