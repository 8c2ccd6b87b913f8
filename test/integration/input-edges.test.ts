import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CALL_UPDATE_FAILED,
  CALL_UPDATE_REQUESTED,
  type CallUpdateFailedDetail,
} from '#commons/events/contracts';
import { cursorKey, sealCursor } from '#commons/http/cursor-seal';
import type { EventBridgeEnvelope } from '#local/aws-emulator';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { eventSchemaFileValidator } from '../support/event-schema-files.ts';
import { captureOutput } from '../support/output-capture.ts';

/**
 * The edges of the input: every way a value reaches SignalWire is checked by the same rules, every refusal
 * is a 400 (or a "Call Update Failed") naming a non-empty field, and refused input never reaches the
 * emulator. Through the local API Gateway (real v2 events), the real handlers and the stand-ins.
 */

const output = captureOutput();
let stack: LocalStack;
const matchesCallUpdateFailed = eventSchemaFileValidator('call-update-failed.schema.json');

beforeAll(async () => {
  process.env.SIGNALWIRE_TIMEOUT_MS = '800';
  stack = await startLocalStack();
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

beforeEach(() => {
  stack.emulator.clearRequests();
});

interface Answer {
  status: number;
  json: { error?: { code: string; message: string; violations?: Violation[]; moreViolations?: number } };
}
interface Violation {
  field: string;
  rule: string;
  message: string;
}

const send = async (method: string, path: string, body?: string, contentType?: string): Promise<Answer> => {
  const response = await fetch(`${stack.api.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
    headers: contentType === undefined ? {} : { 'content-type': contentType },
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : {} };
};
const json = (path: string, body: string) => send('POST', path, body, 'application/json');
const form = (path: string, body: string) => send('POST', path, body, 'application/x-www-form-urlencoded');

const seed = () => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });
const sid = '0f0e0d0c-0b0a-4909-8807-060504030201';

/** A refusal: 400, every violation names a field, the expected one among them, nothing sent to SignalWire. */
const expectRefused = (answer: Answer, field: string, rule: string): void => {
  expect(answer.status, JSON.stringify(answer.json)).toBe(400);
  const violations = answer.json.error?.violations ?? [];
  for (const violation of violations) expect(violation.field).not.toBe('');
  expect(violations).toContainEqual(expect.objectContaining({ field, rule }));
  expect(stack.emulator.requests).toHaveLength(0);
};

const pageUri = (query: string, projectId: string) =>
  `/api/laml/2010-04-01/Accounts/${projectId}/Calls.json?${query}`;

/** A cursor as this API issues it: sealed with the key derived from the local project's API token. */
const cursorOf = (query: string, projectId = stack.projectId): string =>
  sealCursor(pageUri(query, projectId), cursorKey(stack.apiToken, stack.projectId));

describe('a list cursor', () => {
  it.each([
    ['a status no query may ask for', 'Status=bogus'],
    ['a date that is not one', 'StartTime%3E=yesterday'],
    ['an offset of 25 hours', 'StartTime%3E=2026-11-27T14%3A00%3A00%2B25%3A00'],
    ['a filter given twice', 'To=%2B1310&To=%2B1415'],
    ['a page size out of range', 'PageSize=5000'],
    ['a parameter that is no filter', 'Beta=true'],
    ['a malformed SID', 'ParentCallSid=not-a-sid'],
    ['a parameter named like an Object method (found by the property suite)', 'hasOwnProperty=busy'],
  ])('carrying %s is refused naming cursor, and nothing is sent', async (_name, query) => {
    expectRefused(await send('GET', `/calls?cursor=${cursorOf(query)}`), 'cursor', 'format');
  });

  it('is refused for another project', async () => {
    expectRefused(await send('GET', `/calls?cursor=${cursorOf('Page=1', randomUUID())}`), 'cursor', 'format');
  });

  it('sends its date filters to SignalWire in RFC 2822 GMT, like the query does', async () => {
    const cursor = cursorOf('StartTime%3E=2026-11-27T15%3A30%3A00%2B01%3A00&PageSize=5&Page=1');

    const answer = await send('GET', `/calls?cursor=${cursor}`);

    expect(answer.status).toBe(200);
    expect(stack.emulator.requests.map((request) => request.query)).toEqual([
      expect.objectContaining({ 'StartTime>': 'Fri, 27 Nov 2026 14:30:00 +0000', PageSize: '5', Page: '1' }),
    ]);
  });
});

describe('defect: hand-made cursor reaches SignalWire', () => {
  it('refuses a cursor this API did not issue (no seal), naming cursor, and sends nothing', async () => {
    const handMade = Buffer.from(pageUri('Page=1&PageToken=PAabc', stack.projectId)).toString('base64url');
    expectRefused(await send('GET', `/calls?cursor=${handMade}`), 'cursor', 'format');
  });

  it("refuses a cursor sealed with another key (not derived from this project's API token)", async () => {
    const forged = sealCursor(
      pageUri('Page=1&PageToken=PAabc', stack.projectId),
      cursorKey('guess', stack.projectId),
    );
    expectRefused(await send('GET', `/calls?cursor=${forged}`), 'cursor', 'format');
  });

  it('refuses a cursor given together with filters, saying the filters travel inside the cursor', async () => {
    const answer = await send(
      'GET',
      `/calls?cursor=${cursorOf('Status=queued&PageSize=5&Page=1')}&status=queued&pageSize=5`,
    );
    expectRefused(answer, 'cursor', 'alone');
    expect(answer.json.error?.message).toMatch(
      /cursor must be sent alone: its filters travel inside the cursor/,
    );
  });

  it('never reveals the API token in a cursor it issues', async () => {
    for (let i = 0; i < 3; i++) stack.emulator.seedCall(stack.projectId, { status: 'queued', ageSeconds: 5 });
    const first = await send('GET', '/calls?status=queued&pageSize=1');
    const cursor = String((first.json as { next_cursor?: unknown }).next_cursor);
    expect(Buffer.from(cursor, 'base64url').toString('latin1')).not.toContain(stack.apiToken);
    expect(cursor).not.toContain(stack.apiToken);
    const second = await send('GET', `/calls?cursor=${cursor}`);
    expect(second.status).toBe(200);
  });
});

describe('defect: duplicate JSON keys silently merged', () => {
  it('refuses a JSON body naming a field twice, naming the field, and sends nothing', async () => {
    const answer = await json(`/calls/${sid}`, '{"Status":"completed","Status":"canceled"}');
    expectRefused(answer, 'Status', 'duplicate');
  });

  it('refuses a duplicate key in a nested object too, but not the same key in two objects', async () => {
    expectRefused(await json(`/calls/${sid}`, '{"Status":"completed","x":{"a":1,"a":2}}'), 'a', 'duplicate');
    const answer = await json(`/calls/${sid}`, '{"Status":"completed","x":{"Status":1}}');
    expect(answer.json.error?.violations?.map((v) => v.rule)).not.toContain('duplicate');
  });
});

describe('defect: URL with an upper-case scheme refused', () => {
  it('accepts HTTPS://EXAMPLE.COM/a as a redirect URL (the scheme is case-insensitive)', async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30 });
    const answer = await json(`/calls/${call.sid}`, '{"Url":"HTTPS://EXAMPLE.COM/a"}');
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(stack.emulator.redirectsOf(call.sid)).toEqual([
      expect.objectContaining({ url: 'HTTPS://EXAMPLE.COM/a' }),
    ]);
  });
});

describe('defect: length messages and double violations for empty values', () => {
  it.each([
    ['cursor', 'cursor must not be empty'],
    ['startTime', 'startTime must not be empty'],
  ])('refuses an empty %s with one violation that reads well', async (name, message) => {
    const answer = await send('GET', `/calls?${name}=`);
    expectRefused(answer, name, 'length');
    expect(answer.json.error?.violations).toEqual([{ field: name, rule: 'length', message }]);
  });
});

describe('arrays where a string is expected', () => {
  it('are refused in a JSON body', async () => {
    expectRefused(await json(`/calls/${sid}`, '{"Status":["completed"]}'), 'Status', 'type');
  });

  it('are refused when a form repeats a field', async () => {
    expectRefused(await form(`/calls/${sid}`, 'Status=completed&Status=completed'), 'Status', 'type');
  });

  it('are refused when a query repeats a parameter (API Gateway would join the values)', async () => {
    expectRefused(await send('GET', '/calls?status=queued&status=ringing'), 'status', 'type');
    expectRefused(await send('GET', '/calls?to=%2B1310&to=%2B1415'), 'to', 'type');
  });
});

describe('reserved and empty field names', () => {
  it.each([
    ['a JSON body', () => json(`/calls/${sid}`, '{"__proto__":{"Status":"completed"}}'), '__proto__'],
    ['a JSON body', () => json(`/calls/${sid}`, '{"constructor":{"prototype":{}}}'), 'constructor'],
    ['a JSON body', () => json(`/calls/${sid}`, '{"prototype":"x","Status":"completed"}'), 'prototype'],
    [
      'a JSON body, nested',
      () => json(`/calls/${sid}`, '{"Status":"completed","Url":{"a":{"__proto__":{"b":1}}}}'),
      '__proto__',
    ],
    [
      'a JSON body, nested deep',
      () => json(`/calls/${sid}`, '{"Status":"completed","Url":{"a":{"b":{"c":{"d":{"constructor":1}}}}}}'),
      'constructor',
    ],
    ['a form', () => form(`/calls/${sid}`, '__proto__=x&Status=completed'), '__proto__'],
    ['a form', () => form(`/calls/${sid}`, 'constructor=x&Status=completed'), 'constructor'],
    ['a query', () => send('GET', '/calls?__proto__=x'), '__proto__'],
    ['a query', () => send('GET', '/calls?prototype=x&status=queued'), 'prototype'],
  ])('in %s are refused by name (%s)', async (_where, act, field) => {
    expectRefused(await act(), field, 'reserved');
  });

  it.each([
    ['a JSON body', () => json(`/calls/${sid}`, '{"":"x","Status":"completed"}')],
    ['a form', () => form(`/calls/${sid}`, '=x&Status=completed')],
    ['a query', () => send('GET', '/calls?=x')],
  ])('in %s: an empty name is refused as such, never as an empty field', async (_where, act) => {
    const answer = await act();

    expectRefused(answer, '""', 'empty-name');
    expect(answer.json.error?.message).toContain('empty field name');
  });
});

describe('URL ports', () => {
  it.each([
    'https://example.com:99999/a.xml',
    'https://example.com:0/a.xml',
    'https://example.com:http/a.xml',
    'https://example.com:08080/a.xml',
    'https://example.com:-1/a.xml',
  ])('refuses %s naming Url', async (Url) => {
    expectRefused(await json(`/calls/${sid}`, JSON.stringify({ Url })), 'Url', 'url');
  });

  it.each([
    'https://example.com:1/a.xml',
    'https://example.com:8443/a.xml',
    'https://example.com:65535/a.xml',
    'https://[2001:db8::1]:443/a.xml',
  ])('accepts %s and sends it on', async (Url) => {
    const call = seed();

    const answer = await json(`/calls/${call.sid}`, JSON.stringify({ Url }));

    expect(answer.status).toBe(200);
    expect(stack.emulator.redirectsOf(call.sid).map((redirect) => redirect.url)).toEqual([Url]);
  });
});

describe('date filters', () => {
  it.each([
    ['an ISO 8601 offset of 25 hours', '2026-11-27T14:00:00+25:00'],
    ['an ISO 8601 offset of 14:01', '2026-11-27T14:00:00-14:01'],
    ['an RFC 2822 offset of 25 hours', 'Fri, 27 Nov 2026 14:00:00 +2500'],
    ['an RFC 2822 offset with 60 minutes', 'Fri, 27 Nov 2026 14:00:00 +0060'],
  ])('refuse %s naming the filter', async (_name, value) => {
    expectRefused(
      await send('GET', `/calls?startTimeAfter=${encodeURIComponent(value)}`),
      'startTimeAfter',
      'date',
    );
  });

  it.each([
    ['an ISO 8601 date with a +14:00 offset', '2026-11-28T04:00:00+14:00', 'Fri, 27 Nov 2026 14:00:00 +0000'],
    ['an ISO 8601 date alone (midnight UTC)', '2026-11-27', 'Fri, 27 Nov 2026 00:00:00 +0000'],
    ['an RFC 2822 date with an offset', 'Fri, 27 Nov 2026 09:00:00 -0500', 'Fri, 27 Nov 2026 14:00:00 +0000'],
    ['an RFC 2822 date in GMT', 'Fri, 27 Nov 2026 14:00:00 GMT', 'Fri, 27 Nov 2026 14:00:00 +0000'],
  ])('send %s to SignalWire in RFC 2822 GMT', async (_name, value, sent) => {
    const answer = await send('GET', `/calls?endTimeBefore=${encodeURIComponent(value)}`);

    expect(answer.status).toBe(200);
    expect(stack.emulator.requests[0]?.query['EndTime<']).toBe(sent);
  });
});

describe('numbers', () => {
  it.each(['Infinity', 'NaN', '1e400', '-0', '2.5', '0x10', '1e3', ' 5', '0', '1001'])(
    'a page size of %s is refused',
    async (value) => {
      expectRefused(
        await send('GET', `/calls?pageSize=${encodeURIComponent(value)}`),
        'pageSize',
        expect.any(String) as unknown as string,
      );
    },
  );
});

describe('the 8 KiB body cap', () => {
  /** A valid redirect form of exactly `bytes` bytes: `%61` pads the body while its decoded URLs stay short. */
  const formOf = (bytes: number): string => {
    const head = 'Url=https%3A%2F%2Fexample.com%2F';
    const middle = '&StatusCallback=https%3A%2F%2Fexample.com%2F';
    const room = bytes - head.length - middle.length;
    const padding = (count: number) => '%61'.repeat(Math.floor(count / 3)) + 'a'.repeat(count % 3);
    return `${head}${padding(Math.floor(room / 2))}${middle}${padding(room - Math.floor(room / 2))}`;
  };

  it('counts decoded bytes: a form of exactly 8 KiB (sent base64-encoded by API Gateway) is applied', async () => {
    const call = seed();
    const body = formOf(8192);
    expect(Buffer.byteLength(body)).toBe(8192);

    const answer = await send('POST', `/calls/${call.sid}`, body, 'application/x-www-form-urlencoded');

    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
  });

  it('refuses one byte more with 413', async () => {
    const answer = await send('POST', `/calls/${sid}`, formOf(8193), 'application/x-www-form-urlencoded');

    expect(answer.status).toBe(413);
    expect(answer.json.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe('media types', () => {
  it.each([
    ['application/json ; charset=utf-8', '{"Status":"completed"}'],
    ['Application/JSON', '{"Status":"completed"}'],
    ['application/json;charset="UTF-8"', '{"Status":"completed"}'],
    ['application/merge-patch+json', '{"Status":"completed"}'],
    ['application/vnd.example.call-update+json; version=1', '{"Status":"completed"}'],
    ['APPLICATION/X-WWW-FORM-URLENCODED ;charset=utf-8', 'Status=completed'],
    ['application/x-www-form-urlencoded; charset=US-ASCII', 'Status=completed'],
  ])('%s reaches its parser and the call is ended', async (contentType, body) => {
    const call = seed();

    const answer = await send('POST', `/calls/${call.sid}`, body, contentType);

    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
  });

  it.each([
    [
      'application/x-www-form-urlencoded; charset=iso-8859-1',
      'Status=completed&Url=https%3A%2F%2Fexample.com%2Fcaf%E9',
      'iso-8859-1',
    ],
    ['application/x-www-form-urlencoded; charset=UTF-16', 'Status=completed', 'utf-16'],
    ['application/json; charset=windows-1252', '{"Status":"completed"}', 'windows-1252'],
    ['application/json;charset="utf-16le"', '{"Status":"completed"}', 'utf-16le'],
  ])('%s is refused with 415 naming the charset, and nothing is sent', async (contentType, body, charset) => {
    const call = seed();

    const answer = await send('POST', `/calls/${call.sid}`, body, contentType);

    expect(answer.status).toBe(415);
    expect(answer.json.error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(answer.json.error?.message).toContain(
      `charset "${charset}" is not supported: send the body as UTF-8`,
    );
    expect(stack.emulator.requests).toHaveLength(0);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it.each([
    'application/json; charset="utf-16',
    'application/json; charset',
    'application/json; charset=utf-8; charset=iso-8859-1',
    'application/x-www-form-urlencoded; CHARSET=utf-8; charset=utf-16',
  ])(
    '%s (a charset the media type parser cannot read as one) is refused with 415, nothing sent',
    async (contentType) => {
      const call = seed();
      const body = contentType.includes('json') ? '{"Status":"completed"}' : 'Status=completed';

      const answer = await send('POST', `/calls/${call.sid}`, body, contentType);

      expect(answer.status).toBe(415);
      expect(answer.json.error?.message).toContain(
        'is malformed or repeated: send charset=utf-8 once, or no charset',
      );
      expect(stack.emulator.requests).toHaveLength(0);
      expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
    },
  );

  it('a body without a media type is refused with 415 saying so', async () => {
    // Bytes, not a string: fetch would label a string body text/plain.
    const response = await fetch(`${stack.api.url}/calls/${sid}`, {
      method: 'POST',
      body: new Uint8Array(Buffer.from('Status=completed')),
    });
    const answer = (await response.json()) as Answer['json'];

    expect(response.status).toBe(415);
    expect(answer.error?.message).toContain('a body without a media type is not supported');
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['text/plain', 'media type "text/plain"'],
    ['application/xml', 'media type "application/xml"'],
    ['application/jsonx', 'media type "application/jsonx"'],
    ['application/json, text/plain', 'media type "application/json, text/plain"'],
  ])('%s is refused with 415 naming the type', async (contentType, named) => {
    const answer = await send('POST', `/calls/${sid}`, '{"Status":"completed"}', contentType);

    expect(answer.status).toBe(415);
    expect(answer.json.error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(answer.json.error?.message).toContain(named);
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe('"Call Update Failed" stays small whatever the request', () => {
  const envelope = (detail: Record<string, unknown>, source = 'com.example.crm'): EventBridgeEnvelope => ({
    version: '0',
    id: randomUUID(),
    'detail-type': CALL_UPDATE_REQUESTED,
    source,
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  });
  const failuresFor = (id: string) =>
    stack.aws.putEvents.filter(
      (event) =>
        event.envelope['detail-type'] === CALL_UPDATE_FAILED && event.envelope.detail.requestEventId === id,
    );

  it('lists 10 violations and counts the rest, with names and messages cut, for 3,000 long unknown fields', async () => {
    const update = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`${'x'.repeat(200)}${i}`, 'y'.repeat(100)]),
    );
    const event = envelope({ callSid: sid, action: 'update', update });

    await stack.deliverCallUpdateRequested(event);

    const [published, ...more] = failuresFor(event.id);
    expect(more).toHaveLength(0);
    const detail = published?.envelope.detail as unknown as CallUpdateFailedDetail;
    expect(matchesCallUpdateFailed(detail), JSON.stringify(matchesCallUpdateFailed.errors)).toBe(true);
    expect(detail.error.violations).toHaveLength(10);
    expect(detail.error.moreViolations).toBe(2990);
    for (const violation of detail.error.violations ?? [])
      expect([...violation.field].length).toBeLessThanOrEqual(64);
    expect(Buffer.byteLength(published?.entry.Detail ?? '')).toBeLessThan(16 * 1024);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('cuts an oversized source and id, and still publishes exactly one outcome', async () => {
    const event = {
      ...envelope({ callSid: sid, action: 'terminate' }, 's'.repeat(300_000)),
      id: 'i'.repeat(300_000),
    };

    await stack.deliverCallUpdateRequested(event);

    const published = stack.aws.putEvents.filter(
      (e) =>
        e.envelope['detail-type'] === CALL_UPDATE_FAILED &&
        e.envelope.detail.requestEventId === 'i'.repeat(256),
    );
    expect(published).toHaveLength(1);
    expect(published[0]?.envelope.detail.requestSource).toBe('s'.repeat(256));
    expect(stack.aws.undeliverable).toEqual([]);
  });

  it('refuses reserved names in the detail by name', async () => {
    const detail = JSON.parse(
      `{"callSid":"${sid}","action":"update","update":{"Status":"completed","__proto__":{"Url":"https://x"}}}`,
    ) as Record<string, unknown>;
    const event = envelope(detail);

    await stack.deliverCallUpdateRequested(event);

    const [published] = failuresFor(event.id);
    const failure = published?.envelope.detail as unknown as CallUpdateFailedDetail;
    expect(failure.error.violations).toContainEqual(
      expect.objectContaining({ field: '__proto__', rule: 'reserved' }),
    );
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe('directions', () => {
  it("are the published Call schema's values on the emulator's calls", async () => {
    const call = seed();
    const inbound = stack.emulator.seedCall(stack.projectId, { status: 'ringing', direction: 'inbound' });

    expect(call.direction).toBe('outbound');
    expect(inbound.direction).toBe('inbound');
  });
});
