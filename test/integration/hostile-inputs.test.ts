import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { captureOutput } from '../support/output-capture.ts';

/**
 * Hostile input the operator API must refuse by name, with the reason, before anything reaches SignalWire:
 * percent-encoded bytes that are not UTF-8, a JSON body's byte order mark, URLs a parser would read otherwise.
 * Through the local API Gateway (real v2 events, raw query and path), the real handlers and the emulator.
 */

const output = captureOutput();
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

beforeEach(() => {
  stack.emulator.clearRequests();
});

interface Violation {
  field: string;
  rule: string;
  message: string;
}
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: { error?: { code: string; message: string; violations?: Violation[] } } & Record<string, unknown>;
}

const send = async (
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' },
): Promise<Answer> => {
  const response = await fetch(`${stack.api.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
    headers,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : {} };
};

const seed = () => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });

/** A refusal naming `field` under `rule`, whose message says `words`, with nothing sent to SignalWire. */
const expectRefused = (answer: Answer, field: string, rule: string, words: RegExp): void => {
  expect(answer.status, answer.text).toBe(400);
  expect(answer.json.error?.violations).toContainEqual({
    field,
    rule,
    message: expect.stringMatching(words),
  });
  expect(answer.text).not.toContain('\ufffd');
  expect(stack.emulator.requests).toHaveLength(0);
};

describe('percent-encoded bytes that are not UTF-8', () => {
  it.each([
    ['a filter value', '/calls?status=%FF', 'status'],
    ['a truncated sequence', '/calls?to=%2B1415%E2%82', 'to'],
    ['an overlong encoding', '/calls?from=%C0%AF', 'from'],
    ['an encoded surrogate', '/calls?status=%ED%A0%80', 'status'],
    ['a parameter name', '/calls?%FF=1', 'query'],
  ])('are refused in %s, naming it, not judged as U+FFFD', async (_what, path, field) => {
    expectRefused(await send('GET', path), field, 'utf-8', /is not valid UTF-8/);
  });

  it('are refused in a call SID in the path, naming callSid', async () => {
    const call = seed();
    stack.emulator.clearRequests();

    expectRefused(await send('GET', `/calls/${call.sid}%FF`), 'callSid', 'utf-8', /not valid UTF-8/);
    expectRefused(
      await send('POST', `/calls/%FF${call.sid}/terminate`, '{}'),
      'callSid',
      'utf-8',
      /not valid UTF-8/,
    );
  });

  it('are refused once per field, however often it is given', async () => {
    const repeated = await send('GET', '/calls?status=%FF&status=%FE&%FF=1&%FE=2');
    const utf8 = repeated.json.error?.violations?.filter((violation) => violation.rule === 'utf-8');
    expect(utf8?.map((violation) => violation.field)).toEqual(['status', 'query']);
  });

  it('leave valid UTF-8 and a lone % alone (judged as the text they are)', async () => {
    const listed = await send('GET', '/calls?to=%2B14155550100&pageSize=1');
    expect(listed.status, listed.text).toBe(200);
    const lone = await send('GET', '/calls?status=100%');
    expect(lone.json.error?.violations).toContainEqual(
      expect.objectContaining({ field: 'status', rule: 'enum' }),
    );
  });
});

describe("a JSON body's byte order mark", () => {
  it('is read past (RFC 8259 lets a parser ignore it): the update applies as without it', async () => {
    const call = seed();

    const answer = await send('POST', `/calls/${call.sid}`, '\ufeff{"Status":"completed"}');

    expect(answer.status, answer.text).toBe(200);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
  });

  it('is read past in a form too, whose first name would otherwise begin with it', async () => {
    const call = seed();

    const answer = await send('POST', `/calls/${call.sid}`, '\ufeffStatus=completed', {
      'content-type': 'application/x-www-form-urlencoded',
    });

    expect(answer.status, answer.text).toBe(200);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
  });

  it('is one mark: a second one, or one inside the body, is still not JSON', async () => {
    const call = seed();
    stack.emulator.clearRequests();

    const answer = await send('POST', `/calls/${call.sid}`, '\ufeff\ufeff{"Status":"completed"}');

    expectRefused(answer, 'body', 'json', /not valid JSON/);
  });
});

describe('a URL field the API would not send on', () => {
  const refusedUrl = async (url: string) => {
    const call = seed();
    stack.emulator.clearRequests();
    return send('POST', `/calls/${call.sid}`, JSON.stringify({ Url: url }));
  };

  it('says a host that is not ASCII must be written in its xn-- form, and which that is', async () => {
    expectRefused(
      await refusedUrl('https://exämple.com/next.xml'),
      'Url',
      'url',
      /host is not ASCII \(write an internationalised domain name in its xn-- form: xn--exmple-cua\.com\)$/,
    );
  });

  it.each([
    [
      'a line break (header injection)',
      'https://example.com/a\r\nX-Injected: 1',
      /line break or control character/,
    ],
    ['a space', 'https://example.com/a b', /space/],
    ['another scheme', 'ftp://example.com/a', /does not start with http:\/\/ or https:\/\//],
    ['user:password@', 'https://user:secret@example.com/a', /carries user:password@/],
    ['a path that is not ASCII', 'https://example.com/café', /not ASCII \(percent-encode their UTF-8 bytes/],
    ['a user without a password', 'https://user@example.com/a', /carries user:password@ \(or user@\)/],
    ['no host', 'https:///a', /: it has no host$/],
    ['a port of 0', 'https://example.com:0/a', /: its port is not a number from 1 to 65535/],
    [
      'a port with a leading zero',
      'https://example.com:08080/a',
      /: its port is not a number from 1 to 65535/,
    ],
    ['an IPv6 host with a port over 65535', 'https://[::1]:65536/a', /: its port is not a number from 1/],
    // A URL parser keeps `"` in the host it maps: a form this rule would refuse again is not offered.
    ['a host whose mapped form is no name', 'https://ä"x.com/a', /xn-- form\)$/],
  ])('says what is wrong with %s', async (_what, url, words) => {
    const answer = await refusedUrl(url);
    expectRefused(answer, 'Url', 'url', words);
    expect(answer.text).not.toContain('secret');
  });

  it.each([
    'https://[::1]:8080/a',
    'HTTPS://EXAMPLE.COM/a',
    'https://example.com./a',
    'https://example.com/a%0d%0aX-Injected:%201',
  ])('accepts %s as written', async (url) => {
    const call = seed();
    const answer = await send('POST', `/calls/${call.sid}`, JSON.stringify({ Url: url }));
    expect(answer.status, answer.text).toBe(200);
    expect(stack.emulator.requests.at(-1)?.form?.Url).toBe(url);
  });

  it('accepts the xn-- form of the same host', async () => {
    const call = seed();
    const answer = await send(
      'POST',
      `/calls/${call.sid}`,
      JSON.stringify({ Url: 'https://xn--exmple-cua.com/next.xml' }),
    );
    expect(answer.status, answer.text).toBe(200);
  });
});

describe('a body that is not UTF-8', () => {
  it("refuses a form's percent-encoded value that is not UTF-8, naming the field", async () => {
    const call = seed();
    stack.emulator.clearRequests();

    const answer = await send('POST', `/calls/${call.sid}`, 'Status=%FF', {
      'content-type': 'application/x-www-form-urlencoded',
    });

    expectRefused(answer, 'Status', 'utf-8', /^Status is not valid UTF-8/);
  });

  it('refuses a form whose bytes are not UTF-8 (API Gateway sends it base64-encoded), naming body', async () => {
    const call = seed();
    stack.emulator.clearRequests();

    const response = await fetch(`${stack.api.url}/calls/${call.sid}`, {
      method: 'POST',
      body: Buffer.concat([Buffer.from('Url=https://example.com/caf'), Buffer.from([0xe9])]),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const text = await response.text();

    expectRefused(
      { status: response.status, headers: response.headers, text, json: JSON.parse(text) },
      'body',
      'utf-8',
      /^body is not valid UTF-8/,
    );
  });
});

describe('a change that names its API and nothing else', () => {
  it('is refused listing the fields that make a change, not api (which alone changes nothing)', async () => {
    const call = seed();
    stack.emulator.clearRequests();

    const answer = await send('POST', `/calls/${call.sid}`, '{"api":"compatibility"}');

    expectRefused(answer, 'body', 'required', /^body must set at least one of: Url, .*StatusCallbackMethod$/);
    expect(answer.json.error?.message).not.toMatch(/\bapi\b/);
  });
});
