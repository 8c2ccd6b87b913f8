import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  asTheAwsCliReadsIt,
  keepLoopbackDirect,
  proxyInUse,
  proxyRefusalOf,
  proxyRefusedError,
  useEnvironmentProxy,
} from '../../cli/core/proxy.ts';

/**
 * The CLI's proxy rules, one at a time: which requests go through the proxy the environment names (and which
 * never do), how NO_PROXY is read, how a proxy is named (never with its password), and which failures are the
 * proxy's refusal (PROXY_REFUSED) rather than the far end's.
 */

const VARIABLES = [
  'NODE_USE_ENV_PROXY',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
];
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

beforeEach(() => {
  for (const name of VARIABLES) delete process.env[name];
});

afterEach(() => {
  for (const name of VARIABLES)
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  // Node's global agents back to going out directly, as before each test.
  http.setGlobalProxyFromEnv({});
});

/** A proxy and a far server on loopback, each counting the requests it was sent. */
const seen = { proxy: [] as string[], server: [] as string[] };
const proxy = http.createServer((req, res) => {
  seen.proxy.push(req.url ?? '');
  res.writeHead(502).end();
});
const server = http.createServer((req, res) => {
  seen.server.push(req.url ?? '');
  res.writeHead(200).end('direct');
});
const portOf = (listening: http.Server) => (listening.address() as AddressInfo).port;

beforeAll(async () => {
  await Promise.all(
    [proxy, server].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))),
  );
});
afterAll(async () => {
  await Promise.all([proxy, server].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** The status of a plain GET through Node's global agent (what the AWS SDK's and the CLI's own requests use). */
const get = (url: string): Promise<number | undefined> =>
  new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });

describe('NO_PROXY as the AWS CLI reads it', () => {
  it('widens a bare name to the names under it, port and all, in any case', () => {
    expect(asTheAwsCliReadsIt('amazonaws.com')).toBe('amazonaws.com,.amazonaws.com');
    expect(asTheAwsCliReadsIt('localhost')).toBe('localhost,.localhost');
    expect(asTheAwsCliReadsIt('Corp.Invalid:8443')).toBe('Corp.Invalid:8443,.Corp.Invalid:8443');
    expect(asTheAwsCliReadsIt('corp.invalid.')).toBe('corp.invalid.,.corp.invalid.');
  });

  it('keeps `*`, dotted names, IP addresses and ranges as they are', () => {
    expect(asTheAwsCliReadsIt('*,.example.com,10.0.0.1,10.0.0.1:8080,192.168.0.0/16,::1,bad_host')).toBe(
      '*,.example.com,10.0.0.1,10.0.0.1:8080,192.168.0.0/16,::1,bad_host',
    );
  });

  it('reads commas and white space as separators, and drops empty entries', () => {
    expect(asTheAwsCliReadsIt(' a.example ,, 10.0.0.1\tb.example\n')).toBe(
      'a.example,.a.example,10.0.0.1,b.example,.b.example',
    );
  });
});

describe('the proxy named in a hint', () => {
  it('is none while Node does not send requests through the variables, even when they are set', () => {
    process.env.HTTPS_PROXY = 'http://proxy.example:3128';
    expect(proxyInUse('https:')).toBeUndefined();
    process.env.NODE_USE_ENV_PROXY = '0';
    expect(proxyInUse('https:')).toBeUndefined();
  });

  it('is the variable Node reads for the scheme, without the user and password of its URL', () => {
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.HTTPS_PROXY = 'http://ops:hunter2@secure.example:3128';
    process.env.HTTP_PROXY = 'http://ops:hunter2@plain.example:8080';
    expect(proxyInUse('https:')).toBe('HTTPS_PROXY (http://secure.example:3128)');
    expect(proxyInUse('http:')).toBe('HTTP_PROXY (http://plain.example:8080)');
    expect(proxyInUse()).toBe('HTTPS_PROXY (http://secure.example:3128)');
  });

  it('reads the lower-case variables, and another scheme’s variable when its own is not set', () => {
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.http_proxy = 'http://plain.example:8080';
    expect(proxyInUse('https:')).toBe('http_proxy (http://plain.example:8080)');
    expect(proxyInUse('http:')).toBe('http_proxy (http://plain.example:8080)');
    delete process.env.http_proxy;
    process.env.HTTPS_PROXY = 'http://secure.example:3128';
    expect(proxyInUse('http:')).toBe('HTTPS_PROXY (http://secure.example:3128)');
  });

  it('counts Node’s --use-env-proxy flag as the switch', () => {
    process.env.HTTPS_PROXY = 'http://proxy.example:3128';
    process.execArgv.push('--use-env-proxy');
    try {
      expect(proxyInUse('https:')).toBe('HTTPS_PROXY (http://proxy.example:3128)');
    } finally {
      process.execArgv.pop();
    }
  });

  it('says "not a URL" rather than echo a value that is none (it may hold a password)', () => {
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.HTTPS_PROXY = '::ops:hunter2';
    expect(proxyInUse('https:')).toBe('HTTPS_PROXY (not a URL)');
  });

  it('is none when no variable is set', () => {
    process.env.NODE_USE_ENV_PROXY = '1';
    expect(proxyInUse('https:')).toBeUndefined();
  });
});

const withCause = (message: string, cause?: unknown, code?: string): Error =>
  Object.assign(new Error(message, { cause }), code ? { code } : {});

const NODE_REFUSAL = (status: string, to = 'sts.amazonaws.com:443') =>
  withCause(
    `Failed to establish tunnel to ${to} via http://127.0.0.1:3128/: HTTP/1.1 ${status}`,
    undefined,
    'ERR_PROXY_TUNNEL',
  );

describe('a failure that is the proxy’s refusal', () => {
  beforeEach(() => {
    process.env.NODE_USE_ENV_PROXY = '1';
  });

  it('reads the status and host of Node’s tunnel error, the :443 of an https host dropped', () => {
    expect(proxyRefusalOf(NODE_REFUSAL('407 Proxy Authentication Required'))).toEqual({
      status: 407,
      protocol: 'https:',
      host: 'sts.amazonaws.com',
    });
    expect(proxyRefusalOf(NODE_REFUSAL('403 Forbidden', 'space.example:8443'))).toEqual({
      status: 403,
      protocol: 'https:',
      host: 'space.example:8443',
    });
  });

  it('reads fetch’s "Proxy response (…) !== 200 when HTTP Tunneling", under the SignalWire client’s causes', () => {
    const fetchError = withCause(
      'fetch failed',
      withCause('Proxy response (502) !== 200 when HTTP Tunneling'),
    );
    expect(proxyRefusalOf(withCause('SignalWire unreachable', fetchError))).toEqual({
      status: 502,
      protocol: 'https:',
    });
  });

  it('takes ERR_PROXY_TUNNEL without a status as a tunnel that was closed, keeping what a cause says', () => {
    expect(proxyRefusalOf(withCause('socket hang up', undefined, 'ERR_PROXY_TUNNEL'))).toEqual({
      status: undefined,
      protocol: 'https:',
    });
    const wrapped = withCause(
      'proxy tunnel failed',
      NODE_REFUSAL('407 Proxy Authentication Required'),
      'ERR_PROXY_TUNNEL',
    );
    expect(proxyRefusalOf(wrapped)).toEqual({ status: 407, protocol: 'https:', host: 'sts.amazonaws.com' });
    const outer = withCause('again', NODE_REFUSAL('403 Forbidden'), 'ERR_PROXY_TUNNEL');
    expect(proxyRefusalOf(withCause('tunnel', outer, 'ERR_PROXY_TUNNEL'))).toEqual({
      status: 403,
      protocol: 'https:',
      host: 'sts.amazonaws.com',
    });
  });

  it('keeps the host an outer tunnel error named when a cause without one says the tunnel was closed', () => {
    const inner = withCause('socket hang up', undefined, 'ERR_PROXY_TUNNEL');
    const outer = withCause(
      'Failed to establish tunnel to space.example:443 via http://127.0.0.1:3128/: HTTP/1.1 502 Bad Gateway',
      inner,
      'ERR_PROXY_TUNNEL',
    );
    expect(proxyRefusalOf(outer)).toEqual({ status: 502, protocol: 'https:', host: 'space.example' });
  });

  it('reads an AWS SDK error that got the proxy’s own 407 (a plain-HTTP request), and no other status', () => {
    const sdk = (fields: object) => Object.assign(new Error('UnknownError'), fields);
    expect(proxyRefusalOf(sdk({ $metadata: { httpStatusCode: 407 } }))).toEqual({
      status: 407,
      protocol: 'http:',
    });
    expect(proxyRefusalOf(withCause('wrapped', sdk({ $response: { statusCode: 407 } })))).toEqual({
      status: 407,
      protocol: 'http:',
    });
    expect(proxyRefusalOf(sdk({ $metadata: { httpStatusCode: 403 }, $response: { statusCode: 403 } }))).toBe(
      undefined,
    );
    // A tunnel refused first: an inner 407 does not turn it into a plain-HTTP one.
    const tunnel = withCause('x', sdk({ $metadata: { httpStatusCode: 407 } }), 'ERR_PROXY_TUNNEL');
    expect(proxyRefusalOf(tunnel)).toEqual({ status: undefined, protocol: 'https:' });
  });

  it('is no refusal when the proxy is not in use, or nothing in the chain says so', () => {
    expect(proxyRefusalOf(withCause('connect ECONNREFUSED 127.0.0.1:443', undefined, 'ECONNREFUSED'))).toBe(
      undefined,
    );
    expect(proxyRefusalOf('Proxy response (407) !== 200 when HTTP Tunneling')).toBeUndefined();
    delete process.env.NODE_USE_ENV_PROXY;
    expect(proxyRefusalOf(NODE_REFUSAL('407 Proxy Authentication Required'))).toBeUndefined();
  });

  it('reads six errors deep, no deeper (a cause chain is finite, but may be long)', () => {
    const nested = (depth: number): Error => {
      let error: Error = NODE_REFUSAL('403 Forbidden');
      for (let i = 0; i < depth; i++) error = withCause(`wrapper ${i}`, error);
      return error;
    };
    expect(proxyRefusalOf(nested(5))?.status).toBe(403);
    expect(proxyRefusalOf(nested(6))).toBeUndefined();
  });
});

describe('the PROXY_REFUSED error', () => {
  beforeEach(() => {
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.HTTPS_PROXY = 'http://ops:hunter2@secure.example:3128';
    process.env.HTTP_PROXY = 'http://ops:hunter2@plain.example:8080';
  });

  it('a 407 names the proxy of the request’s scheme and says how to give it credentials, never the password', () => {
    const error = proxyRefusedError(
      proxyRefusalOf(NODE_REFUSAL('407 Proxy Authentication Required'))!,
      'listing calls',
      'fallback.example',
    );
    expect(error.code).toBe('PROXY_REFUSED');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      'listing calls failed: the proxy HTTPS_PROXY (http://secure.example:3128) refused to carry the request to sts.amazonaws.com (407 Proxy Authentication Required); nothing was sent past the proxy',
    );
    expect(error.hint).toBe(
      'The proxy wants credentials: put them in its URL (HTTPS_PROXY=http://USER:PASSWORD@host:port, the password URL-encoded), or list sts.amazonaws.com in NO_PROXY if it is reached without the proxy.',
    );
  });

  it('a refusal for policy says to ask for the host, or route around the proxy, not to give credentials', () => {
    const error = proxyRefusedError(
      { status: 403, protocol: 'http:' },
      'reading the secret',
      'secrets.example',
    );
    expect(error.message).toBe(
      'reading the secret failed: the proxy HTTP_PROXY (http://plain.example:8080) refused to carry the request to secrets.example (HTTP 403 to the tunnel); nothing was sent past the proxy',
    );
    expect(error.hint).toBe(
      'Ask for secrets.example to be allowed through the proxy, or list it in NO_PROXY if it is reached without the proxy (or unset HTTP_PROXY).',
    );
  });

  it('a tunnel closed without a status says so', () => {
    const error = proxyRefusedError({ status: undefined, protocol: 'https:', host: 'h.example' }, 'x', 'y');
    expect(error.message).toContain(
      '(it closed the connection or answered without an HTTP status, and opened no tunnel)',
    );
    expect(error.hint).toContain('(or unset HTTPS_PROXY)');
  });

  it('without a proxy variable to name, says "the proxy" once and names the variable Node reads', () => {
    delete process.env.HTTPS_PROXY;
    delete process.env.HTTP_PROXY;
    const error = proxyRefusedError({ status: 403, protocol: 'https:' }, 'listing calls', 'space.example');
    expect(error.message).toMatch(
      /^listing calls failed: the proxy refused to carry the request to space\.example /,
    );
    expect(error.hint).toContain('(or unset HTTPS_PROXY)');
    const plain = proxyRefusedError({ status: 403, protocol: 'http:' }, 'listing calls', 'space.example');
    expect(plain.hint).toContain('(or unset HTTP_PROXY)');
  });
});

describe('sending requests through the proxy the environment names', () => {
  const far = () => `http://far.example.invalid:${portOf(server)}/calls`;

  it('does nothing without a proxy variable: requests go out directly, NO_PROXY as it was', async () => {
    process.env.NO_PROXY = 'corp.invalid';
    const note = vi.fn();
    await useEnvironmentProxy(note);
    expect(process.env.NODE_USE_ENV_PROXY).toBeUndefined();
    expect(process.env.NO_PROXY).toBe('corp.invalid');
    expect(note).not.toHaveBeenCalled();
  });

  it('sends Node’s requests through HTTP_PROXY, with NO_PROXY read as the AWS CLI reads it', async () => {
    process.env.HTTP_PROXY = `http://127.0.0.1:${portOf(proxy)}`;
    process.env.no_proxy = 'corp.invalid';
    const note = vi.fn();
    seen.proxy.length = 0;
    await useEnvironmentProxy(note);

    expect(process.env.NODE_USE_ENV_PROXY).toBe('1');
    expect([process.env.NO_PROXY, process.env.no_proxy]).toEqual([
      'corp.invalid,.corp.invalid',
      'corp.invalid,.corp.invalid',
    ]);
    expect(await get(far())).toBe(502);
    expect(seen.proxy).toEqual([far()]);
    expect(note).not.toHaveBeenCalled();
  });

  it('leaves NO_PROXY unset when it was', async () => {
    process.env.HTTPS_PROXY = `http://127.0.0.1:${portOf(proxy)}`;
    await useEnvironmentProxy(vi.fn());
    expect([process.env.NO_PROXY, process.env.no_proxy, process.env.NODE_USE_ENV_PROXY]).toEqual([
      undefined,
      undefined,
      '1',
    ]);
  });

  it('on a Node that cannot, says so once, unless Node was told to use the proxy already', async () => {
    vi.doMock('node:http', () => ({ setGlobalProxyFromEnv: undefined }));
    try {
      process.env.HTTPS_PROXY = 'http://proxy.example:3128';
      const note = vi.fn();
      await useEnvironmentProxy(note);
      expect(note.mock.calls).toEqual([
        [
          `note: HTTPS_PROXY is set, but Node.js ${process.version} cannot send requests through it (24.14 or later can); they go out directly`,
        ],
      ]);
      expect(process.env.NODE_USE_ENV_PROXY).toBeUndefined();
      process.env.NODE_USE_ENV_PROXY = '1';
      await useEnvironmentProxy(note);
      expect(note).toHaveBeenCalledTimes(1);
      // --local: nothing to set again on such a Node, so NO_PROXY is left as it was.
      await keepLoopbackDirect();
      expect(process.env.NO_PROXY).toBeUndefined();
    } finally {
      vi.doUnmock('node:http');
    }
  });
});

describe('--local never goes through the proxy', () => {
  it('when Node was told to use the proxy, adds loopback to NO_PROXY and reaches the stack directly', async () => {
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.HTTP_PROXY = `http://127.0.0.1:${portOf(proxy)}`;
    process.env.NO_PROXY = 'corp.invalid';
    http.setGlobalProxyFromEnv(process.env);
    seen.proxy.length = 0;
    seen.server.length = 0;
    await keepLoopbackDirect();

    expect(process.env.NO_PROXY).toBe('corp.invalid,localhost,127.0.0.1,::1');
    expect(process.env.no_proxy).toBe('corp.invalid,localhost,127.0.0.1,::1');
    expect(await get(`http://127.0.0.1:${portOf(server)}/calls`)).toBe(200);
    expect(seen).toEqual({ proxy: [], server: ['/calls'] });
  });

  it('lists loopback alone when NO_PROXY was empty', async () => {
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.https_proxy = 'http://proxy.example:3128';
    await keepLoopbackDirect();
    expect(process.env.NO_PROXY).toBe('localhost,127.0.0.1,::1');
  });

  it('changes nothing when Node does not use the proxy, or no proxy is set', async () => {
    process.env.HTTP_PROXY = 'http://proxy.example:3128';
    await keepLoopbackDirect();
    expect(process.env.NO_PROXY).toBeUndefined();
    delete process.env.HTTP_PROXY;
    process.env.NODE_USE_ENV_PROXY = '1';
    await keepLoopbackDirect();
    expect(process.env.NO_PROXY).toBeUndefined();
  });
});
