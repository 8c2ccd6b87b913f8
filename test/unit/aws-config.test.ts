import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_APP_ID_CONFIG_OPTIONS } from '@aws-sdk/core/client';
import { NODE_AUTH_SCHEME_PREFERENCE_OPTIONS } from '@aws-sdk/core/httpAuthSchemes';
import * as sdk from '@smithy/core/config';
import { NODE_MAX_ATTEMPT_CONFIG_OPTIONS, NODE_RETRY_MODE_CONFIG_OPTIONS } from '@smithy/core/retry';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as mine from '#commons/platform/aws-config';

/**
 * functions/commons/platform/aws-config.ts stands in for `@smithy/core/config` in the bundles (infra/runtime.ts
 * BUNDLE_ALIAS). With no shared configuration files, as on Lambda, every setting the clients load, the
 * defaults mode and the region resolve here as they do with the SDK's own module, errors included.
 */

const noFiles = mkdtempSync(join(tmpdir(), 'aws-config-'));

/** Every variable a setting below reads, cleared; no shared files; no instance metadata (no network). */
const CLEARED = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_DEFAULTS_MODE',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
  'AWS_AUTH_SCHEME_PREFERENCE',
  'AWS_SDK_UA_APP_ID',
  'AWS_PROFILE',
];

beforeEach(() => {
  for (const name of CLEARED) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_CONFIG_FILE', join(noFiles, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(noFiles, 'credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => rmSync(noFiles, { recursive: true, force: true }));

/** A value or the failure's name and message. */
const outcome = async (read: () => Promise<unknown>) => {
  try {
    return { value: await read() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

type Selectors = Parameters<typeof sdk.loadConfig>[0];

const SETTINGS: ReadonlyArray<[string, Selectors, string, ReadonlyArray<string | undefined>]> = [
  ['region', sdk.NODE_REGION_CONFIG_OPTIONS as Selectors, 'AWS_REGION', [undefined, 'eu-west-1', '']],
  [
    'FIPS endpoints',
    sdk.NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS as Selectors,
    'AWS_USE_FIPS_ENDPOINT',
    [undefined, 'true', 'false', 'maybe'],
  ],
  [
    'dual-stack endpoints',
    sdk.NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS as Selectors,
    'AWS_USE_DUALSTACK_ENDPOINT',
    [undefined, 'true', 'TRUE'],
  ],
  [
    'attempts',
    NODE_MAX_ATTEMPT_CONFIG_OPTIONS as Selectors,
    'AWS_MAX_ATTEMPTS',
    [undefined, '5', 'many', '0'],
  ],
  [
    'retry mode',
    NODE_RETRY_MODE_CONFIG_OPTIONS as Selectors,
    'AWS_RETRY_MODE',
    [undefined, 'adaptive', 'standard'],
  ],
  [
    'auth scheme preference',
    NODE_AUTH_SCHEME_PREFERENCE_OPTIONS as Selectors,
    'AWS_AUTH_SCHEME_PREFERENCE',
    [undefined, 'sigv4a, sigv4'],
  ],
  [
    'user-agent app id',
    NODE_APP_ID_CONFIG_OPTIONS as Selectors,
    'AWS_SDK_UA_APP_ID',
    [undefined, 'call-control'],
  ],
];

describe('the AWS settings of the bundles (environment only)', () => {
  it.each(
    SETTINGS.flatMap(([setting, selectors, variable, values]) =>
      values.map((value) => [setting, variable, value, selectors] as const),
    ),
  )('loads the %s from %s=%s as the SDK does', async (_setting, variable, value, selectors) => {
    vi.stubEnv(variable, value);

    const expected = await outcome(() => sdk.loadConfig(selectors)());
    const actual = await outcome(() => mine.loadConfig(selectors as Parameters<typeof mine.loadConfig>[0])());

    expect(actual).toEqual(expected);
  });

  /** The variables a selector reads, found by handing it an environment that records what is asked of it. */
  const variablesRead = (selectors: Selectors): string[] => {
    const read = new Set<string>();
    const recorder = new Proxy({} as Record<string, string | undefined>, {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
      has: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return false;
      },
    });
    try {
      (selectors.environmentVariableSelector as (env: Record<string, string | undefined>) => unknown)(
        recorder,
      );
    } catch {
      // Only the names asked for matter here.
    }
    return [...read];
  };

  // Every selector the stand-in exports (so a new one cannot be left out), loaded through the stand-in's own
  // loadConfig and compared with the SDK's same-named selector through the SDK's loadConfig.
  const EXPORTED_SELECTORS = Object.entries(mine).filter(
    ([, value]) => typeof value === 'object' && value !== null && 'environmentVariableSelector' in value,
  );

  it('exports the SDK module’s selectors under the same names', () => {
    expect(EXPORTED_SELECTORS.map(([name]) => name).sort()).toEqual([
      'NODE_REGION_CONFIG_OPTIONS',
      'NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS',
      'NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS',
    ]);
    for (const [name] of EXPORTED_SELECTORS) expect(sdk, name).toHaveProperty(name);
  });

  it.each(EXPORTED_SELECTORS.map(([name]) => name))(
    'loads its own %s as the SDK loads its own, for every variable the SDK reads',
    async (name) => {
      const theirs = (sdk as unknown as Record<string, Selectors>)[name] as Selectors;
      const ours = (mine as unknown as Record<string, Parameters<typeof mine.loadConfig>[0]>)[name];
      if (!ours) throw new Error(`${name} is not exported`);
      const variables = variablesRead(theirs);
      expect(variables.length).toBeGreaterThan(0);
      for (const variable of variables) {
        for (const value of [undefined, 'true', 'false', 'TRUE', 'maybe', 'eu-west-1', '']) {
          vi.stubEnv(variable, value);
          const expected = await outcome(() => sdk.loadConfig(theirs)());
          const actual = await outcome(() => mine.loadConfig(ours)());
          expect({ variable, value, ...actual }).toEqual({ variable, value, ...expected });
        }
        vi.stubEnv(variable, undefined);
      }
    },
  );

  it('names the region as missing when AWS_REGION is not set', async () => {
    expect(await outcome(() => mine.loadConfig(mine.NODE_REGION_CONFIG_OPTIONS)())).toEqual({
      error: 'Region is missing',
    });
  });

  it('reads a setting once, and again only when asked to refresh', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const region = mine.loadConfig(mine.NODE_REGION_CONFIG_OPTIONS);
    await region();
    vi.stubEnv('AWS_REGION', 'us-west-2');

    expect(await region()).toBe('eu-west-1');
    expect(await region({ forceRefresh: true })).toBe('us-west-2');
  });

  it.each([
    [undefined, {}],
    ['standard', {}],
    ['Legacy', {}],
    ['cross-region', {}],
    ['auto', {}],
    ['auto', { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', AWS_REGION: 'us-east-1' }],
    ['auto', { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', AWS_REGION: 'eu-west-1' }],
    ['auto', { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', AWS_DEFAULT_REGION: 'us-east-1' }],
    ['bogus', {}],
  ] as const)('resolves the defaults mode %s (environment %o) as the SDK does', async (mode, environment) => {
    vi.stubEnv('AWS_DEFAULTS_MODE', mode);
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);

    const expected = await outcome(() => sdk.resolveDefaultsModeConfig({ region: 'us-east-1' })());
    const actual = await outcome(() => mine.resolveDefaultsModeConfig({ region: 'us-east-1' })());

    expect(actual).toEqual(expected);
  });

  it.each([
    'us-east-1',
    'fips-us-gov-west-1',
    'us-east-1-fips',
    'fips-aws-global',
    'aws-fips',
    'fips-dkr-us-east-1',
    'bad region!',
  ])('resolves the region %s and whether it asks for FIPS endpoints as the SDK does', async (region) => {
    for (const useFipsEndpoint of [false, true, async () => true]) {
      const expected = sdk.resolveRegionConfig({ region, useFipsEndpoint });
      const actual = mine.resolveRegionConfig({ region: async () => region, useFipsEndpoint });

      expect(await outcome(actual.region)).toEqual(await outcome(expected.region));
      expect(await outcome(actual.useFipsEndpoint)).toEqual(await outcome(expected.useFipsEndpoint));
    }
  });

  it('refuses a client without a region, as the SDK does', () => {
    expect(() => mine.resolveRegionConfig({})).toThrow(new Error('Region is missing'));
    expect(() => sdk.resolveRegionConfig({} as Parameters<typeof sdk.resolveRegionConfig>[0])).toThrow(
      new Error('Region is missing'),
    );
  });

  it('exports the SDK module’s constants with the same values', () => {
    const constants = (module: typeof mine | typeof sdk) => ({
      CONFIG_PREFIX_SEPARATOR: module.CONFIG_PREFIX_SEPARATOR,
      DEFAULT_USE_DUALSTACK_ENDPOINT: module.DEFAULT_USE_DUALSTACK_ENDPOINT,
      DEFAULT_USE_FIPS_ENDPOINT: module.DEFAULT_USE_FIPS_ENDPOINT,
      NODE_REGION_CONFIG_FILE_OPTIONS: module.NODE_REGION_CONFIG_FILE_OPTIONS,
      REGION_ENV_NAME: module.REGION_ENV_NAME,
      REGION_INI_NAME: module.REGION_INI_NAME,
      SelectorType: { ...module.SelectorType },
    });

    expect(constants(mine)).toEqual(constants(sdk));
  });

  it('selects booleans as the SDK does, naming a bad value', () => {
    for (const value of ['true', 'false', 'yes']) {
      const obj = { AWS_FLAG: value };
      const expected = (() => {
        try {
          return sdk.booleanSelector(obj, 'AWS_FLAG', sdk.SelectorType.ENV);
        } catch (error) {
          return (error as Error).message;
        }
      })();
      const actual = (() => {
        try {
          return mine.booleanSelector(obj, 'AWS_FLAG', mine.SelectorType.ENV);
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(actual).toEqual(expected);
    }
    expect(mine.booleanSelector({}, 'AWS_FLAG', mine.SelectorType.CONFIG)).toBeUndefined();
  });

  it('has provider errors that say whether the next provider may answer, as the SDK’s do', () => {
    for (const [Mine, Sdk] of [
      [mine.ProviderError, sdk.ProviderError],
      [mine.CredentialsProviderError, sdk.CredentialsProviderError],
    ] as const) {
      const made = [
        [new Mine('no credentials', true), new Sdk('no credentials', true)],
        [new Mine('no credentials', false), new Sdk('no credentials', false)],
        [
          new Mine('no credentials', { tryNextLink: false }),
          new Sdk('no credentials', { tryNextLink: false }),
        ],
        [new Mine('no credentials', {}), new Sdk('no credentials', {})],
        [new Mine('no credentials'), new Sdk('no credentials')],
      ] as const;
      for (const [actual, expected] of made) {
        expect({ name: actual.name, message: actual.message, tryNextLink: actual.tryNextLink }).toEqual({
          name: expected.name,
          message: expected.message,
          tryNextLink: expected.tryNextLink,
        });
        expect(actual).toBeInstanceOf(Mine);
        expect(actual).toBeInstanceOf(Error);
      }
    }
    expect(new mine.CredentialsProviderError('x')).toBeInstanceOf(mine.ProviderError);
    expect(mine.ProviderError.from(new Error('cause'), false)).toMatchObject({
      message: 'cause',
      tryNextLink: false,
    });
  });
});
