import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccountNotConfiguredError, CredentialsError } from '#commons/errors';
import {
  CredentialsStore,
  parseLocalOrigin,
  parseSecret,
  projectKeyOf,
  type SecretSource,
  SecretsManagerSource,
} from '#commons/signalwire/credentials';
import { malformedSecrets } from '../support/malformed-secrets.ts';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const P1 = '11111111-2222-4333-8444-555555555555';
const P2 = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const TOKEN = 'PTsecret-token-value';

const single = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ projectId: P1, apiToken: TOKEN, spaceUrl: 'example.signalwire.com', ...extra });

const errorOf = (fn: () => unknown): CredentialsError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CredentialsError) return error;
    throw error;
  }
  throw new Error('expected a CredentialsError');
};

describe('parseSecret', () => {
  it('reads the one-project shape', () => {
    const secret = parseSecret(single({ signingKey: 'PSKkey' }));

    expect(secret.defaultProjectId).toBe(P1);
    expect(secret.projects.get(P1)).toEqual({
      projectId: P1,
      apiToken: TOKEN,
      spaceOrigin: 'https://example.signalwire.com',
      signingKey: 'PSKkey',
    });
  });

  it('takes the only project of a projects map as the default', () => {
    const secret = parseSecret(
      JSON.stringify({ projects: { [P2.toUpperCase()]: { apiToken: 'b', spaceUrl: 'two.signalwire.com' } } }),
    );

    expect(secret.defaultProjectId).toBe(P2);
    expect(secret.projects.get(P2)?.apiToken).toBe('b');
  });

  it('reads the several-projects shape with a default', () => {
    const secret = parseSecret(
      JSON.stringify({
        defaultProjectId: P2,
        projects: {
          [P1]: { apiToken: 'a', spaceUrl: 'https://one.signalwire.com' },
          [P2]: { apiToken: 'b', spaceUrl: 'two.signalwire.com/' },
        },
      }),
    );

    expect(secret.defaultProjectId).toBe(P2);
    expect([...secret.projects.values()].map((p) => p.spaceOrigin)).toEqual([
      'https://one.signalwire.com',
      'https://two.signalwire.com',
    ]);
  });

  it.each([
    ['evil.example.com', 'secret.spaceUrl must be a SignalWire space host'],
    ['http://example.signalwire.com', 'secret.spaceUrl must be a SignalWire space host'],
    ['https://example.signalwire.com:8443', 'secret.spaceUrl must be a SignalWire space host'],
    ['https://example.signalwire.com/api', 'secret.spaceUrl must be a SignalWire space host'],
    ['https://user@example.signalwire.com', 'secret.spaceUrl must be a SignalWire space host'],
    ['example.signalwire.com.evil.net', 'secret.spaceUrl must be a SignalWire space host'],
    ['http://127.0.0.1:8788', 'secret.spaceUrl must be a SignalWire space host'],
    ['https://:password@example.signalwire.com', 'secret.spaceUrl must be a SignalWire space host'],
    ['example.signalwire.com?region=eu', 'secret.spaceUrl must be a SignalWire space host'],
    ['example.signalwire.com#top', 'secret.spaceUrl must be a SignalWire space host'],
    ['example.signalwire.com/a://b', 'secret.spaceUrl must be a SignalWire space host'],
  ])('refuses the space URL %s, so the token cannot be sent elsewhere', (spaceUrl, message) => {
    expect(errorOf(() => parseSecret(single({ spaceUrl })))).toMatchObject({
      message: expect.stringContaining(message),
    });
  });

  it('allows the local emulator only when that exact loopback origin is configured', () => {
    const local = single({ spaceUrl: 'http://127.0.0.1:8788' });

    expect(
      parseSecret(local, { allowedLocalOrigin: 'http://127.0.0.1:8788' }).projects.get(P1)?.spaceOrigin,
    ).toBe('http://127.0.0.1:8788');
    expect(() => parseSecret(local, { allowedLocalOrigin: 'http://127.0.0.1:9999' })).toThrow(
      CredentialsError,
    );
    expect(() => parseLocalOrigin('http://example.com:8788')).toThrow(/loopback/);
    expect(parseLocalOrigin('http://localhost:8788/')).toBe('http://localhost:8788');
  });

  it('reads an unset or empty local origin setting as none, and refuses anything but a bare loopback origin', () => {
    expect(parseLocalOrigin(undefined)).toBeUndefined();
    expect(parseLocalOrigin('')).toBeUndefined();
    expect(parseLocalOrigin('http://[::1]:8788')).toBe('http://[::1]:8788');
    expect(errorOf(() => parseLocalOrigin('127.0.0.1:8788'))).toMatchObject({
      message: 'SIGNALWIRE_LOCAL_SPACE_ORIGIN is not a URL',
      retryable: false,
    });
    for (const value of ['http://127.0.0.1:8788/api', 'http://127.0.0.1:8788?x=1', 'http://10.0.0.1:8788']) {
      expect(
        errorOf(() => parseLocalOrigin(value)),
        value,
      ).toMatchObject({
        message: 'SIGNALWIRE_LOCAL_SPACE_ORIGIN must be a loopback origin such as http://127.0.0.1:8788',
        retryable: false,
      });
    }
  });

  it.each([
    ['not json', 'the SignalWire secret is not valid JSON'],
    ['[1]', 'the SignalWire secret must be a JSON object'],
    ['{}', 'the SignalWire secret needs "projectId"'],
    [
      JSON.stringify({ projectId: 'nope', apiToken: TOKEN, spaceUrl: 'a.signalwire.com' }),
      'the project ID must be a UUID',
    ],
    [JSON.stringify({ projectId: P1, spaceUrl: 'a.signalwire.com' }), 'secret.apiToken is missing'],
    [JSON.stringify({ projectId: P1, apiToken: TOKEN }), 'secret.spaceUrl is missing'],
    [JSON.stringify({ projectId: P1, apiToken: TOKEN, spaceUrl: '' }), 'secret.spaceUrl is missing'],
    [JSON.stringify({ projects: {} }), 'secret.projects must be a non-empty object'],
    [
      JSON.stringify({
        projects: {
          [P1]: { apiToken: 'a', spaceUrl: 'a.signalwire.com' },
          [P2]: { apiToken: 'b', spaceUrl: 'b.signalwire.com' },
        },
      }),
      'secret.defaultProjectId must name one of secret.projects',
    ],
  ])('names the problem with a malformed secret, never its value (%s)', (text, message) => {
    const error = errorOf(() => parseSecret(text));

    expect(error.message).toContain(message);
    expect(error.message).not.toContain(TOKEN);
    expect(error.retryable).toBe(false);
  });
});

describe('the API token in the error of a malformed secret', () => {
  it('reads a secret saved with a UTF-8 byte order mark (a Windows editor, PowerShell) as the same secret', () => {
    expect(parseSecret(`\uFEFF${single({ signingKey: 'PSKkey' })}`)).toEqual(
      parseSecret(single({ signingKey: 'PSKkey' })),
    );
  });

  it.each(malformedSecrets({ projectId: P1, apiToken: TOKEN, spaceUrl: 'example.signalwire.com' }))(
    'is never in the message, whatever the shape (a malformed signingKey included): $name',
    ({ text, message }) => {
      const error = errorOf(() => parseSecret(text));

      expect(error.message).toContain(message);
      expect(error.message).not.toContain(TOKEN);
      expect(error.retryable).toBe(false);
    },
  );
});

describe('CredentialsStore', () => {
  const source = (texts: string[]) => {
    const reads: boolean[] = [];
    const src: SecretSource = {
      read: async (refresh) => {
        reads.push(refresh);
        return texts[Math.min(reads.length - 1, texts.length - 1)] as string;
      },
    };
    return { src, reads };
  };

  it('answers the default project, or the named one, and refuses an unknown account', async () => {
    const text = JSON.stringify({
      defaultProjectId: P1,
      projects: {
        [P1]: { apiToken: 'a', spaceUrl: 'a.signalwire.com' },
        [P2]: { apiToken: 'b', spaceUrl: 'b.signalwire.com' },
      },
    });
    const store = new CredentialsStore(source([text]).src);

    expect((await store.get()).projectId).toBe(P1);
    expect((await store.get(P2.toUpperCase())).apiToken).toBe('b');
    await expect(store.get('99999999-2222-4333-8444-555555555555')).rejects.toBeInstanceOf(
      AccountNotConfiguredError,
    );
  });

  it('passes a refresh through to the source (a rotated token)', async () => {
    const { src, reads } = source([single(), single({ apiToken: 'PTrotated' })]);
    const store = new CredentialsStore(src);

    await store.get();
    const fresh = await store.get(P1, true);

    expect(reads).toEqual([false, true]);
    expect(fresh.apiToken).toBe('PTrotated');
  });
});

describe('SecretsManagerSource', () => {
  /** A real SDK client whose every call ends in `answer`, before anything is sent. */
  const clientAnswering = (answer: () => Promise<unknown>): SecretsManagerClient => {
    const client = new SecretsManagerClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    client.middlewareStack.add(() => async () => ({ output: await answer(), response: {} }) as never, {
      step: 'initialize',
    });
    return client;
  };
  const failing = (name: string) =>
    clientAnswering(async () => {
      throw Object.assign(new Error(`${name} from AWS`), { name });
    });

  it.each([
    ['ThrottlingException', true],
    ['InternalServiceError', true],
    ['InternalServiceErrorException', true],
    ['ServiceUnavailableException', true],
    ['RequestTimeout', true],
    ['TimeoutError', true],
    ['Error', true],
    ['ResourceNotFoundException', false],
    ['AccessDeniedException', false],
    ['InvalidRequestException', false],
    ['Throttling', true],
    ['TooManyRequestsException', true],
    // A KMS key the role may not use, or a denied / unsigned request: configuration, whatever the suffix.
    ['DecryptionFailure', false],
    ['AccessDenied', false],
    ['KMSAccessDeniedException', false],
    ['InvalidClientTokenId', false],
    ['IncompleteSignature', false],
  ])('reports %s as retryable %s, naming the secret and the AWS error', async (name, retryable) => {
    const error = await new SecretsManagerSource('signalwire/call-control', 0, failing(name))
      .read(false)
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(CredentialsError);
    expect(error).toMatchObject({
      retryable,
      message: `could not read the SignalWire secret "signalwire/call-control" from Secrets Manager (${name})`,
    });
  });

  it('treats an AWS error it does not know as configuration when AWS calls it the caller’s fault', async () => {
    const refused = clientAnswering(async () => {
      throw Object.assign(new Error('no'), { name: 'SomeNewRefusal', $fault: 'client' });
    });
    const broken = clientAnswering(async () => {
      throw Object.assign(new Error('no'), { name: 'SomeNewOutage', $fault: 'server' });
    });

    const [clientFault, serverFault] = await Promise.all(
      [refused, broken].map((client) =>
        new SecretsManagerSource('signalwire/call-control', 0, client).read(false).catch((e: unknown) => e),
      ),
    );

    expect(clientFault).toMatchObject({ name: 'CredentialsError', retryable: false });
    expect(serverFault).toMatchObject({ name: 'CredentialsError', retryable: true });
  });

  it.each([
    ['SomeNewOutageException', { $fault: 'server' }, true],
    ['SomeGatewayException', { $metadata: { httpStatusCode: 500 } }, true],
    ['SomeGatewayException', { $metadata: { httpStatusCode: 503 } }, true],
    ['SomeNewRefusalException', { $metadata: { httpStatusCode: 499 } }, false],
    ['SomeNewRefusalException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }, false],
  ])(
    'reads an AWS error it does not know, %s with %o, as retryable %s: AWS’s own fault or a 5xx is transient, whatever the name',
    async (name, fields, retryable) => {
      const client = clientAnswering(async () => {
        throw Object.assign(new Error('no'), { name, ...fields });
      });

      const error = await new SecretsManagerSource('signalwire/call-control', 0, client)
        .read(false)
        .catch((thrown: unknown) => thrown);

      expect(error).toMatchObject({ name: 'CredentialsError', retryable });
    },
  );

  it('names the provider failure when what failed is not an error at all, and says to retry later', async () => {
    const odd = clientAnswering(async () => {
      throw 'a string';
    });

    const error = await new SecretsManagerSource('signalwire/call-control', 0, odd)
      .read(false)
      .catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({
      retryable: true,
      message:
        'could not read the SignalWire secret "signalwire/call-control" from Secrets Manager (GetParameterError)',
    });
  });

  it('refuses a secret stored as binary, which has no SecretString, as a configuration error', async () => {
    const binary = clientAnswering(async () => ({ Name: 's', SecretBinary: new Uint8Array([1, 2]) }));

    const error = await new SecretsManagerSource('signalwire/call-control', 0, binary)
      .read(false)
      .catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({
      name: 'CredentialsError',
      retryable: false,
      message: 'the SignalWire secret "signalwire/call-control" has no SecretString',
    });
  });

  it('reads the secret once while its cache is fresh, again when asked to refresh, and again once it expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_796_000_000_000 });
    let version = 0;
    let calls = 0;
    const stored = clientAnswering(async () => {
      calls++;
      return { Name: 's', SecretString: `{"v":${++version}}` };
    });
    const source = new SecretsManagerSource('signalwire/call-control', 300, stored);

    const first = [await source.read(false), await source.read(false)];
    const refreshed = [await source.read(true), await source.read(false)];
    vi.setSystemTime(1_796_000_301_000);
    const expired = await source.read(false);

    expect(first).toEqual(['{"v":1}', '{"v":1}']);
    expect(refreshed).toEqual(['{"v":2}', '{"v":2}']);
    expect(expired).toBe('{"v":3}');
    expect(calls).toBe(3);
  });

  it('never answers the text before once the provider fetched a secret without one (rotated to binary)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_796_000_000_000 });
    let calls = 0;
    const stored = clientAnswering(async () =>
      ++calls === 1
        ? { Name: 's', SecretString: '{"v":1}' }
        : { Name: 's', SecretBinary: new Uint8Array([1]) },
    );
    const source = new SecretsManagerSource('signalwire/call-control', 300, stored);
    await source.read(false);
    vi.setSystemTime(1_796_000_301_000);

    // The provider now holds the binary secret, fresh: every read is the refusal Powertools' answer gives.
    for (let read = 0; read < 2; read++) {
      await expect(source.read(false)).rejects.toThrow('has no SecretString');
    }
  });

  it('reads the secret every time with no cache (a max age of 0)', async () => {
    let version = 0;
    const stored = clientAnswering(async () => ({ Name: 's', SecretString: `{"v":${++version}}` }));
    const source = new SecretsManagerSource('signalwire/call-control', 0, stored);

    expect([await source.read(false), await source.read(false)]).toEqual(['{"v":1}', '{"v":2}']);
  });

  it('answers a fresh secret without asking the provider again', async () => {
    const stored = clientAnswering(async () => ({ Name: 's', SecretString: '{"a":1}' }));
    const source = new SecretsManagerSource('signalwire/call-control', 300, stored);
    await source.read(false);
    const asked = vi.spyOn(SecretsProvider.prototype, 'get');

    expect(await source.read(false)).toBe('{"a":1}');
    expect(asked).not.toHaveBeenCalled();
  });

  it('answers the SecretString', async () => {
    const stored = clientAnswering(async () => ({ Name: 's', SecretString: '{"a":1}' }));

    expect(await new SecretsManagerSource('signalwire/call-control', 0, stored).read(false)).toBe('{"a":1}');
  });
});

describe('projectKeyOf', () => {
  it('derives the HKDF-SHA256 key of a project and purpose from its token, as openssl does', () => {
    // openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt key:PTsecret-token-value \
    //   -kdfopt salt:11111111-2222-4333-8444-555555555555 -kdfopt "info:signalwire-call-control list cursor v1" HKDF
    const expected = '25A1607DDEC7C68D25BBAF0467A82D5A28AAFBFEA7E0C81131406CEBC1C98C91';

    const key = projectKeyOf({ apiToken: TOKEN, projectId: P1 }, 'signalwire-call-control list cursor v1');

    expect(key.toString('hex').toUpperCase()).toBe(expected);
  });

  it('changes with the token (a rotation), the project and the purpose', () => {
    const key = (apiToken: string, projectId: string, purpose: string) =>
      projectKeyOf({ apiToken, projectId }, purpose).toString('hex');
    const base = key(TOKEN, P1, 'a');

    expect(new Set([base, key('PTrotated', P1, 'a'), key(TOKEN, P2, 'a'), key(TOKEN, P1, 'b')]).size).toBe(4);
  });
});
