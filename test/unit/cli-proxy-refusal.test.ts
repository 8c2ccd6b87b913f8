import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsFailure } from '../../cli/core/aws.ts';
import { startRefusingProxy } from '../support/scripted-server.ts';

/**
 * A real AWS endpoint is https: through a proxy, Node opens a CONNECT tunnel, and a proxy that wants credentials
 * (or will not open it) fails the request with Node's own `ERR_PROXY_TUNNEL`. The CLI names the proxy for it.
 */

let proxy: Awaited<ReturnType<typeof startRefusingProxy>>;
let status = 407;
let proxyUrl: string;
const saved = { ...process.env };

beforeAll(async () => {
  proxy = await startRefusingProxy(
    () => `${status} ${status === 407 ? 'Proxy Authentication Required' : 'Forbidden'}`,
  );
  proxyUrl = proxy.url;
});

afterAll(() => proxy.close());

afterEach(() => {
  for (const name of ['NODE_USE_ENV_PROXY', 'HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy'])
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
});

/** What Node's agent throws for an https request the proxy refused to tunnel. */
const tunnelError = (): Promise<Error> =>
  proxy.refusedTunnel('https://cloudformation.us-east-1.amazonaws.com/');

const throughProxy = () => {
  process.env.NODE_USE_ENV_PROXY = '1';
  process.env.HTTPS_PROXY = proxyUrl;
  delete process.env.https_proxy;
};

describe('an AWS request the proxy refused to tunnel (HTTPS_PROXY)', () => {
  it('a 407 is PROXY_REFUSED naming HTTPS_PROXY without its password, with how to give it credentials', async () => {
    status = 407;
    const error = await tunnelError();
    throughProxy();
    const failure = awsFailure('reading the outputs of stack "S"', error, {
      region: 'us-east-1',
      profile: undefined,
    });
    expect(failure.code).toBe('PROXY_REFUSED');
    expect(failure.exitCode).toBe(1);
    expect(failure.message).toContain(`the proxy HTTPS_PROXY (http://127.0.0.1:${new URL(proxyUrl).port})`);
    expect(failure.message).toContain('cloudformation.us-east-1.amazonaws.com');
    expect(failure.message).toContain('407 Proxy Authentication Required');
    const hint = String(failure.hint);
    expect(hint).toContain('HTTPS_PROXY=http://USER:PASSWORD@');
    expect(hint).toContain('NO_PROXY');
    expect(hint).not.toContain('role');
    expect(`${failure.message} ${hint}`).not.toContain('hunter2');
  });

  it('a tunnel refused for policy (403) says to ask for the host or list it in NO_PROXY', async () => {
    status = 403;
    const error = await tunnelError();
    throughProxy();
    const failure = awsFailure('listing calls', error, { region: 'us-east-1', profile: undefined });
    expect(failure.code).toBe('PROXY_REFUSED');
    expect(failure.message).toContain('HTTP 403 to the tunnel');
    expect(String(failure.hint)).toContain('NO_PROXY');
    expect(`${failure.message} ${String(failure.hint)}`).not.toContain('hunter2');
  });

  it('without a proxy in use, the same text is no proxy refusal (AWS_FAILED stays AWS_FAILED)', async () => {
    status = 407;
    const error = await tunnelError();
    delete process.env.NODE_USE_ENV_PROXY;
    expect(awsFailure('listing calls', error).code).not.toBe('PROXY_REFUSED');
  });
});
