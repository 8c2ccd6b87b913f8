import type { ValidateFunction } from 'ajv/dist/2020.js';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { callListPageSchema, callSchema, errorResponseSchema } from '#commons/signalwire/schemas';
import type { Call, CallListPage, CallStatus } from '#commons/signalwire/types';
import { SignalWireEmulator, type SignalWireEmulatorOptions } from '#local/signalwire-emulator';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validateCall = ajv.compile(callSchema);
const validatePage = ajv.compile(callListPageSchema);
const validateError = ajv.compile(errorResponseSchema);

const PROJECT = '7d3c1f0e-5a2b-4c8d-9e6f-1a2b3c4d5e6f';
const TOKEN = 'PTsecret-token-one';
const OTHER_PROJECT = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const OTHER_TOKEN = 'PTsecret-token-two';
const API = `/api/laml/2010-04-01/Accounts/${PROJECT}`;
const T0 = Date.parse('2025-03-04T10:00:00Z');

/** The emulator's clock; each test starts at T0 and moves it by hand. */
let nowMs = T0;

beforeEach(() => {
  nowMs = T0;
});

const startEmulator = async (
  options: Partial<SignalWireEmulatorOptions> = {},
): Promise<SignalWireEmulator> => {
  const emulator = await SignalWireEmulator.start({
    projects: [
      { projectId: PROJECT, apiToken: TOKEN },
      { projectId: OTHER_PROJECT, apiToken: OTHER_TOKEN },
    ],
    now: () => new Date(nowMs),
    ...options,
  });
  onTestFinished(() => emulator.stop());
  return emulator;
};

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface ErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

interface RequestOptions {
  authorization?: string | null;
  contentType?: string;
}

/** One round trip; the body is checked against the success schema or the error schema, whichever applies. */
const exchange = async (
  emulator: SignalWireEmulator,
  method: 'GET' | 'POST',
  path: string,
  success: ValidateFunction,
  options: RequestOptions & { body?: string } = {},
): Promise<Answer> => {
  const headers: Record<string, string> = {};
  const authorization = options.authorization === undefined ? basic(PROJECT, TOKEN) : options.authorization;
  if (authorization !== null) headers.authorization = authorization;
  if (options.body !== undefined)
    headers['content-type'] = options.contentType ?? 'application/x-www-form-urlencoded';
  const response = await fetch(`${emulator.url}${path}`, { method, headers, body: options.body });
  const body: unknown = await response.json();
  const validate = response.ok ? success : validateError;
  expect(validate(body) ? [] : validate.errors).toEqual([]);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, headers: response.headers, body };
};

const getCall = (emulator: SignalWireEmulator, sid: string, options?: RequestOptions) =>
  exchange(emulator, 'GET', `${API}/Calls/${sid}.json`, validateCall, options);

const updateCall = (
  emulator: SignalWireEmulator,
  sid: string,
  form: Record<string, string>,
  options?: RequestOptions,
) =>
  exchange(emulator, 'POST', `${API}/Calls/${sid}.json`, validateCall, {
    ...options,
    body: new URLSearchParams(form).toString(),
  });

const listCalls = (
  emulator: SignalWireEmulator,
  query: Record<string, string> = {},
  options?: RequestOptions,
) => exchange(emulator, 'GET', `${API}/Calls.json?${new URLSearchParams(query)}`, validatePage, options);

const follow = (emulator: SignalWireEmulator, uri: string) => exchange(emulator, 'GET', uri, validatePage);

const asCall = (answer: Answer): Call => {
  expect(answer.status).toBe(200);
  return answer.body as Call;
};

const asPage = (answer: Answer): CallListPage => {
  expect(answer.status).toBe(200);
  return answer.body as CallListPage;
};

const asError = (answer: Answer, status: number, code: number): ErrorBody => {
  const error = answer.body as ErrorBody;
  expect({ status: answer.status, code: error.code, bodyStatus: error.status }).toEqual({
    status,
    code,
    bodyStatus: status,
  });
  expect(error.more_info).toMatch(/^https:\/\/signalwire\.com\/docs\//);
  return error;
};

/** RFC 2822 in GMT as the API writes it. */
const rfc2822 = (ms: number): string => new Date(ms).toUTCString().replace('GMT', '+0000');

/** Pages through the list from the given query to the end, running `between` after every page. */
const collectAll = async (
  emulator: SignalWireEmulator,
  query: Record<string, string>,
  between: (page: CallListPage) => Promise<void> = async () => {},
): Promise<{ sids: string[]; pages: CallListPage[] }> => {
  const pages: CallListPage[] = [asPage(await listCalls(emulator, query))];
  await between(pages[0]!);
  for (let uri = pages[0]!.next_page_uri; uri !== null; uri = pages.at(-1)!.next_page_uri) {
    const page = asPage(await follow(emulator, uri));
    pages.push(page);
    await between(page);
  }
  return { sids: pages.flatMap((page) => page.calls.map((call) => call.sid)), pages };
};

describe('Retrieve a Call', () => {
  it('answers an in-progress call with every field of the resource', async () => {
    // Prepare
    const emulator = await startEmulator();
    const seeded = emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 120, to: '+13105678901' });

    // Act
    const call = asCall(await getCall(emulator, seeded.sid));

    // Assess
    expect(call).toEqual(seeded);
    expect(call).toMatchObject({
      account_sid: PROJECT,
      status: 'in-progress',
      date_created: rfc2822(T0 - 120_000),
      start_time: rfc2822(T0 - 117_000),
      end_time: null,
      to: '+13105678901',
      formatted_to: '(310) 567-8901',
      to_formatted: '(310) 567-8901',
      formatted_from: '(415) 555-0100',
      price: null,
      price_unit: 'USD',
      api_version: '2010-04-01',
      direction: 'outbound',
      uri: `${API}/Calls/${seeded.sid}.json`,
      subresource_uris: { notifications: null, recordings: `${API}/Calls/${seeded.sid}/Recordings.json` },
    });
    expect(call.date_created).toBe('Tue, 04 Mar 2025 09:58:00 +0000');
  });

  it('accepts the path without the .json suffix', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'ringing' });

    // Act
    const answer = await exchange(emulator, 'GET', `${API}/Calls/${sid}`, validateCall);

    // Assess
    expect(asCall(answer).sid).toBe(sid);
  });

  it.each([
    ['an unknown call SID', `${API}/Calls/6b1d1a52-2f5e-4c59-a9c6-0c1f4c0c8f11.json`],
    ['a call SID that is not a UUID', `${API}/Calls/CA0123456789abcdef0123456789abcdef.json`],
    ['an unknown resource', `${API}/Recordings.json`],
    ['a path outside the API', '/2010-04-01/Accounts/x/Calls.json'],
  ])('answers 404 / 20404 for %s', async (_case, path) => {
    // Prepare
    const emulator = await startEmulator();

    // Act
    const answer = await exchange(emulator, 'GET', path, validateCall);

    // Assess
    expect(asError(answer, 404, 20404).message).toContain(path.split('?')[0]);
  });

  it('does not show a call to another project', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(OTHER_PROJECT, { status: 'in-progress' });

    // Act
    const answer = await getCall(emulator, sid);

    // Assess
    asError(answer, 404, 20404);
  });
});

describe('authentication', () => {
  it.each([
    ['no credentials', null],
    ['a wrong token', basic(PROJECT, 'PTwrong')],
    ['an unknown project', basic('11111111-2222-4333-8444-555555555555', TOKEN)],
    ["another project's valid credentials", basic(OTHER_PROJECT, OTHER_TOKEN)],
    ['a malformed header', 'Bearer abc'],
  ])('answers 401 / 20003 to %s, before checking the path', async (_case, authorization) => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });

    // Act
    const known = await getCall(emulator, sid, { authorization });
    const unknownPath = await exchange(emulator, 'GET', `${API}/Nothing.json`, validateCall, {
      authorization,
    });
    const update = await updateCall(emulator, sid, { Status: 'completed' }, { authorization });

    // Assess
    expect(asError(known, 401, 20003).message).toBe('Authentication Failed');
    asError(unknownPath, 401, 20003);
    asError(update, 401, 20003);
    expect(emulator.getCall(PROJECT, sid)?.status).toBe('in-progress');
  });

  it('answers 401 to the old token after a rotation and 200 to the new one', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });

    // Act
    emulator.setToken(PROJECT, 'PTrotated');
    const old = await getCall(emulator, sid);
    const rotated = await getCall(emulator, sid, { authorization: basic(PROJECT, 'PTrotated') });

    // Assess
    asError(old, 401, 20003);
    expect(asCall(rotated).sid).toBe(sid);
  });

  it('records who asked and whether they authenticated, never the password', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });

    // Act
    await updateCall(emulator, sid, { Status: 'completed', StatusCallback: 'https://hooks.example.com/s' });
    await getCall(emulator, sid, { authorization: basic(PROJECT, 'PTwrong') });
    await getCall(emulator, sid, { authorization: null });

    // Assess
    expect(emulator.requests).toEqual([
      {
        method: 'POST',
        path: `${API}/Calls/${sid}.json`,
        query: {},
        form: { Status: 'completed', StatusCallback: 'https://hooks.example.com/s' },
        contentType: 'application/x-www-form-urlencoded',
        basicUser: PROJECT,
        authOk: true,
        at: expect.any(Number),
      },
      expect.objectContaining({ method: 'GET', form: null, basicUser: PROJECT, authOk: false }),
      expect.objectContaining({ method: 'GET', basicUser: null, authOk: false, contentType: undefined }),
    ]);
    expect(JSON.stringify(emulator.requests)).not.toContain('PTsecret');
    expect(JSON.stringify(emulator.requests)).not.toContain('PTwrong');
    emulator.clearRequests();
    expect(emulator.requests).toEqual([]);
  });
});

describe('Update a Call', () => {
  it('hangs up an in-progress call with Status=completed', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 120 });
    nowMs = T0 + 5_000;

    // Act
    const call = asCall(await updateCall(emulator, sid, { Status: 'completed' }));

    // Assess
    expect(call).toMatchObject({
      status: 'completed',
      end_time: rfc2822(T0 + 5_000),
      date_updated: rfc2822(T0 + 5_000),
      duration: 122,
      sip_result_code: '200',
    });
    expect(call.price).toBeLessThan(0);
    expect(emulator.getCall(PROJECT, sid)).toEqual(call);
  });

  it.each(['queued', 'ringing'] as const)(
    'ends a %s call with Status=completed, duration 0',
    async (status) => {
      // Prepare
      const emulator = await startEmulator();
      const { sid } = emulator.seedCall(PROJECT, { status, ageSeconds: 10 });

      // Act
      const call = asCall(await updateCall(emulator, sid, { Status: 'completed' }));

      // Assess
      expect(call).toMatchObject({
        status: 'completed',
        start_time: null,
        end_time: rfc2822(T0),
        duration: 0,
      });
    },
  );

  it.each(['queued', 'ringing'] as const)('cancels a %s call with Status=canceled', async (status) => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status, ageSeconds: 10 });

    // Act
    const call = asCall(await updateCall(emulator, sid, { Status: 'canceled' }));

    // Assess
    expect(call).toMatchObject({ status: 'canceled', end_time: rfc2822(T0), duration: 0 });
  });

  it('refuses to cancel an in-progress call with 400 / 10000 and leaves it as it was', async () => {
    // Prepare
    const emulator = await startEmulator();
    const seeded = emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 30 });

    // Act
    const answer = await updateCall(emulator, seeded.sid, { Status: 'canceled' });

    // Assess
    expect(asError(answer, 400, 10000).message).toContain('canceled');
    expect(emulator.getCall(PROJECT, seeded.sid)).toEqual(seeded);
  });

  it.each(['completed', 'canceled', 'busy', 'failed', 'no-answer'] as const)(
    'answers 422 / 10000 to any update of a %s call',
    async (status) => {
      // Prepare
      const emulator = await startEmulator();
      const seeded = emulator.seedCall(PROJECT, { status, ageSeconds: 300 });
      nowMs = T0 + 60_000;

      // Act
      const hangUp = await updateCall(emulator, seeded.sid, { Status: 'completed' });
      const callback = await updateCall(emulator, seeded.sid, {
        StatusCallback: 'https://hooks.example.com/s',
      });

      // Assess
      expect(asError(hangUp, 422, 10000).message).toContain(status);
      asError(callback, 422, 10000);
      expect(emulator.getCall(PROJECT, seeded.sid)).toEqual(seeded);
    },
  );

  it('redirects an in-progress call and records each redirect in order', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    nowMs = T0 + 7_000;

    // Act
    const first = asCall(
      await updateCall(emulator, sid, { Url: 'https://laml.example.com/hold.xml', Method: 'GET' }),
    );
    await updateCall(emulator, sid, { Url: 'https://laml.example.com/bye.xml' });

    // Assess
    expect(first).toMatchObject({ status: 'in-progress', date_updated: rfc2822(T0 + 7_000) });
    expect(emulator.redirectsOf(sid)).toEqual([
      { url: 'https://laml.example.com/hold.xml', method: 'GET' },
      { url: 'https://laml.example.com/bye.xml', method: 'POST' },
    ]);
  });

  it.each(['queued', 'ringing'] as const)(
    'refuses to redirect a %s call with 400 / 21220',
    async (status) => {
      // Prepare
      const emulator = await startEmulator();
      const { sid } = emulator.seedCall(PROJECT, { status });

      // Act
      const answer = await updateCall(emulator, sid, { Url: 'https://laml.example.com/hold.xml' });

      // Assess
      expect(asError(answer, 400, 21220).message).toBe('Call is not in-progress. Cannot redirect.');
      expect(emulator.redirectsOf(sid)).toEqual([]);
    },
  );

  it('stores fallback and status callback settings and stamps date_updated', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'ringing', ageSeconds: 5 });
    nowMs = T0 + 2_000;
    const settings = {
      FallbackUrl: 'https://laml.example.com/fallback.xml',
      FallbackMethod: 'GET',
      StatusCallback: 'https://hooks.example.com/status',
      StatusCallbackMethod: 'POST',
    } as const;

    // Act
    const call = asCall(await updateCall(emulator, sid, settings));

    // Assess
    expect(call).toMatchObject({ status: 'ringing', date_updated: rfc2822(T0 + 2_000) });
    expect(emulator.callbacksOf(sid)).toEqual(settings);
  });

  it('accepts a form content type with a charset', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });

    // Act
    const answer = await updateCall(
      emulator,
      sid,
      { Status: 'completed' },
      { contentType: 'application/x-www-form-urlencoded; charset=utf-8' },
    );

    // Assess
    expect(asCall(answer).status).toBe('completed');
  });

  it.each([
    [{ Status: 'completed', Twiml: '<Response/>' }, 10000, 'Twiml'],
    [{ Status: 'busy' }, 10000, 'Status'],
    [{ Url: 'https://laml.example.com/x.xml', Method: 'PUT' }, 21209, 'Method'],
    [
      { StatusCallback: 'https://hooks.example.com/s', StatusCallbackMethod: 'get' },
      21209,
      'StatusCallbackMethod',
    ],
    [{ Url: 'laml.xml' }, 10000, 'Url'],
    [{ FallbackUrl: 'not a url' }, 10000, 'FallbackUrl'],
  ])('rejects %j with 400 / %i naming %s', async (form, code, field) => {
    // Prepare
    const emulator = await startEmulator();
    const seeded = emulator.seedCall(PROJECT, { status: 'in-progress' });

    // Act
    const answer = await updateCall(emulator, seeded.sid, form);

    // Assess
    expect(asError(answer, 400, code).message).toContain(field);
    expect(emulator.getCall(PROJECT, seeded.sid)).toEqual(seeded);
  });

  it('rejects a JSON body with 400 / 10000', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });

    // Act
    const answer = await exchange(emulator, 'POST', `${API}/Calls/${sid}.json`, validateCall, {
      body: JSON.stringify({ Status: 'completed' }),
      contentType: 'application/json',
    });

    // Assess
    expect(asError(answer, 400, 10000).message).toContain('application/x-www-form-urlencoded');
    expect(emulator.getCall(PROJECT, sid)?.status).toBe('in-progress');
    expect(emulator.requests.at(-1)).toMatchObject({ form: null, contentType: 'application/json' });
  });
});

describe('List Calls', () => {
  const seedMany = (emulator: SignalWireEmulator, count: number, status: (index: number) => CallStatus) =>
    Array.from({ length: count }, (_, index) =>
      emulator.seedCall(PROJECT, { status: status(index), ageSeconds: 10 * (index + 1) }),
    );

  it('answers the first page newest first with 50 calls by default', async () => {
    // Prepare
    const emulator = await startEmulator();
    const seeded = seedMany(emulator, 60, () => 'completed');

    // Act
    const page = asPage(await listCalls(emulator));

    // Assess
    expect(page.calls.map((call) => call.sid)).toEqual(seeded.slice(0, 50).map((call) => call.sid));
    expect(page).toMatchObject({
      page: 0,
      page_size: 50,
      previous_page_uri: null,
      uri: `${API}/Calls.json?Page=0&PageSize=50`,
      first_page_uri: `${API}/Calls.json?Page=0&PageSize=50`,
    });
    expect(page.next_page_uri).toMatch(new RegExp(`^${API}/Calls\\.json\\?Page=1&PageSize=50&PageToken=PA`));
  });

  it('orders calls newest first whatever order they were seeded in', async () => {
    // Prepare
    const emulator = await startEmulator();
    const ages = [30, 10, 50, 20, 40];
    const byAge = new Map(
      ages.map((ageSeconds) => [ageSeconds, emulator.seedCall(PROJECT, { status: 'busy', ageSeconds })]),
    );

    // Act
    const page = asPage(await listCalls(emulator));

    // Assess
    expect(page.calls.map((call) => call.sid)).toEqual(
      [10, 20, 30, 40, 50].map((age) => byAge.get(age)?.sid),
    );
  });

  it('pages through 230 calls with PageSize 50, each exactly once', async () => {
    // Prepare
    const emulator = await startEmulator();
    const seeded = seedMany(emulator, 230, (index) => (index % 3 === 0 ? 'in-progress' : 'completed'));

    // Act
    const { sids, pages } = await collectAll(emulator, { PageSize: '50' });

    // Assess
    expect(sids).toEqual(seeded.map((call) => call.sid));
    expect(pages.map((page) => [page.page, page.calls.length])).toEqual([
      [0, 50],
      [1, 50],
      [2, 50],
      [3, 50],
      [4, 30],
    ]);
    expect(pages.at(-1)?.next_page_uri).toBeNull();
    expect(pages.slice(1).every((page) => page.previous_page_uri !== null)).toBe(true);
  });

  it('never skips an in-progress call while the listed ones are ended between pages', async () => {
    // Prepare
    const emulator = await startEmulator();
    const seeded = seedMany(emulator, 230, (index) => (index % 4 === 0 ? 'completed' : 'in-progress'));
    const inProgress = seeded.filter((call) => call.status === 'in-progress').map((call) => call.sid);

    // Act
    const { sids } = await collectAll(emulator, { Status: 'in-progress', PageSize: '50' }, async (page) => {
      for (const call of page.calls) asCall(await updateCall(emulator, call.sid, { Status: 'completed' }));
    });

    // Assess
    expect(sids).toEqual(inProgress);
    expect(asPage(await listCalls(emulator, { Status: 'in-progress' })).calls).toEqual([]);
  });

  it('keeps the filters in next_page_uri', async () => {
    // Prepare
    const emulator = await startEmulator();
    seedMany(emulator, 7, () => 'in-progress');

    // Act
    const page = asPage(
      await listCalls(emulator, { Status: 'in-progress', 'StartTime>': '2025-03-01', PageSize: '3' }),
    );

    // Assess
    const next = new URL(page.next_page_uri ?? '', emulator.url).searchParams;
    expect(Object.fromEntries(next)).toEqual({
      Status: 'in-progress',
      'StartTime>': '2025-03-01',
      Page: '1',
      PageSize: '3',
      PageToken: expect.stringMatching(/^PA/),
    });
  });

  it('leads back to the same calls through previous_page_uri', async () => {
    // Prepare
    const emulator = await startEmulator();
    seedMany(emulator, 25, () => 'completed');
    const first = asPage(await listCalls(emulator, { PageSize: '10' }));
    const second = asPage(await follow(emulator, first.next_page_uri ?? ''));

    // Act
    const back = asPage(await follow(emulator, second.previous_page_uri ?? ''));

    // Assess
    expect(back.page).toBe(0);
    expect(back.calls.map((call) => call.sid)).toEqual(first.calls.map((call) => call.sid));
    expect(back.previous_page_uri).toBeNull();
    expect(asPage(await follow(emulator, back.next_page_uri ?? '')).calls).toEqual(second.calls);
  });

  it('serves Page without PageToken as an offset', async () => {
    // Prepare
    const emulator = await startEmulator();
    const seeded = seedMany(emulator, 12, () => 'completed');

    // Act
    const page = asPage(await listCalls(emulator, { Page: '2', PageSize: '5' }));

    // Assess
    expect(page.calls.map((call) => call.sid)).toEqual(seeded.slice(10).map((call) => call.sid));
    expect(page.next_page_uri).toBeNull();
  });

  it('filters by Status, To, From and ParentCallSid', async () => {
    // Prepare
    const emulator = await startEmulator();
    const parent = emulator.seedCall(PROJECT, {
      status: 'in-progress',
      to: '+13105550001',
      from: '+14155550199',
    });
    const child = emulator.seedCall(PROJECT, {
      status: 'ringing',
      parentCallSid: parent.sid,
      to: '+13105550002',
    });
    emulator.seedCall(PROJECT, { status: 'completed', ageSeconds: 60, to: '+13105550002' });
    const sidsOf = async (query: Record<string, string>) =>
      asPage(await listCalls(emulator, query)).calls.map((call) => call.sid);

    // Act + Assess
    expect(await sidsOf({ Status: 'ringing' })).toEqual([child.sid]);
    expect(await sidsOf({ To: '+13105550001' })).toEqual([parent.sid]);
    expect(await sidsOf({ From: '+14155550199' })).toEqual([parent.sid]);
    expect(await sidsOf({ ParentCallSid: parent.sid })).toEqual([child.sid]);
    expect(await sidsOf({ To: '+13105550002', Status: 'ringing' })).toEqual([child.sid]);
  });

  it('filters by start and end time in RFC 2822, ISO 8601 or a whole UTC day', async () => {
    // Prepare
    const emulator = await startEmulator();
    const day = (iso: string) => new Date(`${iso}Z`);
    const early = emulator.seedCall(PROJECT, { status: 'completed', ageSeconds: 3 * 86_400 });
    const yesterday = emulator.seedCall(PROJECT, {
      status: 'in-progress',
      startTime: day('2025-03-03T12:00:00'),
    });
    const today = emulator.seedCall(PROJECT, {
      status: 'in-progress',
      startTime: day('2025-03-04T09:00:00'),
    });
    const queued = emulator.seedCall(PROJECT, { status: 'queued' });
    const sidsOf = async (query: Record<string, string>) =>
      new Set(asPage(await listCalls(emulator, query)).calls.map((call) => call.sid));

    // Act + Assess
    expect(await sidsOf({ StartTime: '2025-03-03' })).toEqual(new Set([yesterday.sid]));
    expect(await sidsOf({ 'StartTime<': '2025-03-04' })).toEqual(new Set([early.sid, yesterday.sid]));
    expect(await sidsOf({ 'StartTime>': '2025-03-04' })).toEqual(new Set([today.sid]));
    expect(await sidsOf({ 'StartTime<': 'Mon, 03 Mar 2025 12:00:00 +0000' })).toEqual(new Set([early.sid]));
    expect(await sidsOf({ 'StartTime>': '2025-03-03T12:00:00Z' })).toEqual(
      new Set([yesterday.sid, today.sid]),
    );
    expect(await sidsOf({ StartTime: 'Mon, 03 Mar 2025 12:00:00 +0000' })).toEqual(new Set([yesterday.sid]));
    expect(await sidsOf({ EndTime: '2025-03-01' })).toEqual(new Set([early.sid]));
    expect(await sidsOf({ 'EndTime>': '2025-03-02' })).toEqual(new Set());
    expect((await sidsOf({})).has(queued.sid)).toBe(true);
  });

  it.each([
    [{ PageSize: '0' }, 'PageSize'],
    [{ PageSize: '1001' }, 'PageSize'],
    [{ PageSize: 'ten' }, 'PageSize'],
    [{ Page: '-1' }, 'Page'],
    [{ Status: 'active' }, 'Status'],
    [{ 'StartTime>': 'yesterday' }, 'StartTime>'],
    [{ ParentCallSid: 'CA42' }, 'ParentCallSid'],
    [{ PageToken: 'PA!!' }, 'PageToken'],
    [{ PageToken: 'XYZ' }, 'PageToken'],
    [{ StartTimeAfter: '2025-03-01' }, 'StartTimeAfter'],
  ])('rejects %j with 400 / 10000 naming %s', async (query, field) => {
    // Prepare
    const emulator = await startEmulator();

    // Act
    const answer = await listCalls(emulator, query);

    // Assess
    expect(asError(answer, 400, 10000).message).toContain(field);
  });

  it('accepts PageSize 1000 and the list path without .json', async () => {
    // Prepare
    const emulator = await startEmulator();
    seedMany(emulator, 3, () => 'completed');

    // Act
    const answer = await exchange(emulator, 'GET', `${API}/Calls?PageSize=1000`, validatePage);

    // Assess
    expect(asPage(answer)).toMatchObject({ page_size: 1000, next_page_uri: null });
    expect(asPage(answer).calls).toHaveLength(3);
  });
});

describe('fault injection', () => {
  it('answers 429 / 20429 with Retry-After once, then serves normally', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'status', status: 429, retryAfter: '2' });

    // Act
    const throttled = await updateCall(emulator, sid, { Status: 'completed' });
    const retried = await updateCall(emulator, sid, { Status: 'completed' });

    // Assess
    asError(throttled, 429, 20429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(asCall(retried).status).toBe('completed');
    expect(emulator.requests.map((request) => request.form?.Status)).toEqual(['completed', 'completed']);
  });

  it('answers 429 without Retry-After when none is given', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'status', status: 429 });

    // Act
    const throttled = await getCall(emulator, sid);

    // Assess
    asError(throttled, 429, 20429);
    expect(throttled.headers.get('retry-after')).toBeNull();
  });

  it('answers 503 to the next two POSTs only, leaving GETs and the call alone', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'status', status: 503, times: 2, method: 'POST' });

    // Act
    const read = await getCall(emulator, sid);
    const first = await updateCall(emulator, sid, { Status: 'completed' });
    const second = await updateCall(emulator, sid, { Status: 'completed' });
    const stillInProgress = emulator.getCall(PROJECT, sid)?.status;
    const third = await updateCall(emulator, sid, { Status: 'completed' });

    // Assess
    expect(asCall(read).status).toBe('in-progress');
    asError(first, 503, 20503);
    asError(second, 503, 20503);
    expect(stillInProgress).toBe('in-progress');
    expect(asCall(third).status).toBe('completed');
  });

  it('applies faults in the order injected', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'status', status: 500 });
    emulator.injectFault({ kind: 'status', status: 502 });

    // Act
    const statuses = [];
    for (let attempt = 0; attempt < 3; attempt++) statuses.push((await getCall(emulator, sid)).status);

    // Assess
    expect(statuses).toEqual([500, 502, 200]);
  });

  it('delays the answer by the injected delay and by the configured latency', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'delay', ms: 120 });

    // Act
    const delayedStart = performance.now();
    asCall(await getCall(emulator, sid));
    const delayed = performance.now() - delayedStart;
    emulator.setLatency(80);
    const slowStart = performance.now();
    asCall(await getCall(emulator, sid));
    const slow = performance.now() - slowStart;
    emulator.setLatency(0);
    const fastStart = performance.now();
    asCall(await getCall(emulator, sid));
    const fast = performance.now() - fastStart;

    // Assess
    expect(delayed).toBeGreaterThanOrEqual(115);
    expect(slow).toBeGreaterThanOrEqual(75);
    expect(fast).toBeLessThan(75);
  });

  it('holds a request, unprocessed and unanswered, until the test releases it, then processes and answers it', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const { promise: until, resolve: release } = Promise.withResolvers<void>();
    emulator.injectFault({ kind: 'hold', until, method: 'POST' });
    let answered = false;

    // Act
    const attempt = updateCall(emulator, sid, { Status: 'completed' }).finally(() => {
      answered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whileHeld = {
      answered,
      status: emulator.getCall(PROJECT, sid)?.status,
      seen: emulator.requests.length,
    };
    release();
    const answer = await attempt;

    // Assess
    expect(whileHeld).toEqual({ answered: false, status: 'in-progress', seen: 1 });
    expect(asCall(answer).status).toBe('completed');
    expect(emulator.getCall(PROJECT, sid)?.status).toBe('completed');
  });

  it('releases a held request when its promise rejects, as when it fulfils: processed and answered as usual', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const { promise: until, reject } = Promise.withResolvers<void>();
    emulator.injectFault({ kind: 'hold', until, method: 'POST' });

    // Act
    const attempt = updateCall(emulator, sid, { Status: 'completed' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    reject(new Error('the test is done with it'));
    const answer = await attempt;

    // Assess
    expect(asCall(answer).status).toBe('completed');
    expect(emulator.getCall(PROJECT, sid)?.status).toBe('completed');
  });

  it('abandons a held request when it stops, released or not', async () => {
    // Prepare
    const emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: TOKEN }] });
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'hold', until: new Promise(() => undefined) });
    const attempt = getCall(emulator, sid);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    await emulator.stop();

    // Assess
    await expect(attempt).rejects.toThrow(TypeError);
  });

  it('spreads the latency over latencyMs to latencyMs + latencySpreadMs, varying from answer to answer', async () => {
    // Prepare
    const emulator = await startEmulator({ latencyMs: 30, latencySpreadMs: 60 });
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });

    // Act
    const durations: number[] = [];
    for (let i = 0; i < 12; i++) {
      const started = performance.now();
      asCall(await getCall(emulator, sid));
      durations.push(performance.now() - started);
    }

    // Assess: never below the base; on a loaded machine an answer may come late, so only the spread is bounded
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(29);
    expect(Math.max(...durations) - Math.min(...durations)).toBeGreaterThan(5);
  });

  it('drops the connection without applying the update', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'drop', method: 'POST' });

    // Act
    const attempt = updateCall(emulator, sid, { Status: 'completed' });

    // Assess
    await expect(attempt).rejects.toThrow(TypeError);
    expect(emulator.getCall(PROJECT, sid)?.status).toBe('in-progress');
    expect(emulator.requests).toEqual([
      expect.objectContaining({ method: 'POST', form: { Status: 'completed' } }),
    ]);
  });

  it('drops the connection after applying the update with applyFirst', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'drop', applyFirst: true });

    // Act
    const attempt = updateCall(emulator, sid, { Status: 'completed' });

    // Assess
    await expect(attempt).rejects.toThrow(TypeError);
    expect(emulator.getCall(PROJECT, sid)?.status).toBe('completed');
    const retry = await updateCall(emulator, sid, { Status: 'completed' });
    asError(retry, 422, 10000);
  });

  it('forgets cleared faults', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });
    emulator.injectFault({ kind: 'status', status: 503, times: 5 });

    // Act
    emulator.clearFaults();
    const answer = await getCall(emulator, sid);

    // Assess
    expect(asCall(answer).sid).toBe(sid);
  });
});

describe('rate limit', () => {
  it('answers POSTs over the limit with 429 / 20429 and no Retry-After, GETs unaffected', async () => {
    // Prepare
    const emulator = await startEmulator({ rateLimit: { maxPosts: 2, windowMs: 60_000 } });
    const sids = Array.from({ length: 3 }, () => emulator.seedCall(PROJECT, { status: 'in-progress' }).sid);

    // Act
    const answers = [];
    for (const sid of sids) answers.push(await updateCall(emulator, sid, { Status: 'completed' }));
    const read = await getCall(emulator, sids[2]!);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 429]);
    asError(answers[2]!, 429, 20429);
    expect(answers[2]?.headers.get('retry-after')).toBeNull();
    expect(asCall(read).status).toBe('in-progress');
  });

  it('sends Retry-After when configured and serves again once the window has passed', async () => {
    // Prepare
    const emulator = await startEmulator();
    emulator.setRateLimit({ maxPosts: 1, windowMs: 150, retryAfterSeconds: 7 });
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });

    // Act
    const allowed = await updateCall(emulator, sid, { Url: 'https://laml.example.com/a.xml' });
    const limited = await updateCall(emulator, sid, { Url: 'https://laml.example.com/b.xml' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const later = await updateCall(emulator, sid, { Url: 'https://laml.example.com/c.xml' });

    // Assess
    expect(allowed.status).toBe(200);
    asError(limited, 429, 20429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(later.status).toBe(200);
    expect(emulator.redirectsOf(sid).map((redirect) => redirect.url)).toEqual([
      'https://laml.example.com/a.xml',
      'https://laml.example.com/c.xml',
    ]);
  });

  it('counts each project separately', async () => {
    // Prepare
    const emulator = await startEmulator({ rateLimit: { maxPosts: 1, windowMs: 60_000 } });
    const mine = emulator.seedCall(PROJECT, { status: 'in-progress' });
    const theirs = emulator.seedCall(OTHER_PROJECT, { status: 'in-progress' });
    await updateCall(emulator, mine.sid, { Status: 'completed' });

    // Act
    const response = await fetch(
      `${emulator.url}/api/laml/2010-04-01/Accounts/${OTHER_PROJECT}/Calls/${theirs.sid}.json`,
      {
        method: 'POST',
        headers: {
          authorization: basic(OTHER_PROJECT, OTHER_TOKEN),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'Status=completed',
      },
    );

    // Assess
    expect(response.status).toBe(200);
    expect(validateCall(await response.json())).toBe(true);
  });
});

describe('seeding and inspection', () => {
  it('returns copies that do not change the stored call', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'in-progress' });

    // Act
    const copy = emulator.getCall(PROJECT, sid);
    if (copy) copy.status = 'completed';

    // Assess
    expect(emulator.getCall(PROJECT, sid)?.status).toBe('in-progress');
    expect(emulator.getCall(OTHER_PROJECT, sid)).toBeUndefined();
  });

  it.each([
    'queued',
    'ringing',
    'in-progress',
    'canceled',
    'completed',
    'busy',
    'failed',
    'no-answer',
  ] as const)('seeds a valid %s call with consistent times', async (status) => {
    // Prepare
    const emulator = await startEmulator();

    // Act
    const call = emulator.seedCall(PROJECT, { status, ageSeconds: 600, direction: 'inbound' });

    // Assess
    expect(validateCall(call) ? [] : validateCall.errors).toEqual([]);
    const active = ['queued', 'ringing', 'in-progress'].includes(status);
    expect(call.end_time === null).toBe(active);
    expect(call.price === null).toBe(active);
    expect(call.start_time === null).toBe(status === 'queued' || status === 'ringing');
    expect(call.direction).toBe('inbound');
  });

  it('refuses a seed SID that is not a UUID or already taken', async () => {
    // Prepare
    const emulator = await startEmulator();
    const { sid } = emulator.seedCall(PROJECT, { status: 'queued' });

    // Act + Assess
    expect(() => emulator.seedCall(PROJECT, { status: 'queued', sid })).toThrow(/not a new UUID/);
    expect(() => emulator.seedCall(PROJECT, { status: 'queued', sid: 'CA1' })).toThrow(/not a new UUID/);
  });
});
