import { isValidHostLabel } from '@smithy/core/transport';
import type { Logger, Provider } from '@smithy/types';

/**
 * Stands in for `@smithy/core/config` in the Lambda bundles (the esbuild alias of infra/runtime.ts): the names
 * the AWS SDK clients of the functions take from it, as @smithy/core 3.41 (Apache-2.0) defines them, except that
 * a setting is read from the environment and never from the shared configuration files (`~/.aws/config`,
 * `~/.aws/credentials`). Lambda has no such files and sets what the clients read (`AWS_REGION`,
 * `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_MAX_ATTEMPTS`, ...) in the environment; bundled, the files' loader and INI
 * parser were parsed at every cold start, and looking for the files cost the first request a few milliseconds
 * of file system calls. For the same reason nothing here asks the EC2 instance metadata service for the region
 * (`AWS_REGION` is always set on Lambda). test/unit/aws-config.test.ts holds every name to the original's
 * results with no shared files present.
 */

type Environment = Record<string, string | undefined>;

/** The shape of the `loadConfig` options the SDK's modules pass (the file selector is not used here). */
interface LoadedConfigSelectors<T> {
  environmentVariableSelector: (
    env: Environment,
    options?: { signingName?: string; logger?: Logger },
  ) => T | undefined;
  configFileSelector: (profile: Record<string, string | undefined>, configFile?: unknown) => T | undefined;
  default: T | (() => Promise<T>);
}

/** A provider's failure; `tryNextLink` says whether the next provider of a chain may answer instead. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly tryNextLink: boolean;

  constructor(message: string, options: boolean | { logger?: Logger; tryNextLink?: boolean } = true) {
    super(message);
    this.tryNextLink = typeof options === 'boolean' ? options : (options?.tryNextLink ?? true);
    Object.setPrototypeOf(this, ProviderError.prototype);
    const logger = typeof options === 'object' ? options?.logger : undefined;
    logger?.debug?.(`@smithy/property-provider ${this.tryNextLink ? '->' : '(!)'} ${message}`);
  }

  static from(
    error: Error,
    options: boolean | { logger?: Logger; tryNextLink?: boolean } = true,
  ): ProviderError {
    return Object.assign(new this(error.message, options), error);
  }
}

export class CredentialsProviderError extends ProviderError {
  override name = 'CredentialsProviderError';

  constructor(message: string, options: boolean | { logger?: Logger; tryNextLink?: boolean } = true) {
    super(message, options);
    Object.setPrototypeOf(this, CredentialsProviderError.prototype);
  }
}

export const CONFIG_PREFIX_SEPARATOR = '.';

export const SelectorType = { ENV: 'env', CONFIG: 'shared config entry' } as const;

/** `"true"` or `"false"`, or nothing; anything else is an error naming the setting. */
export const booleanSelector = (
  obj: Record<string, string | undefined>,
  key: string,
  type: (typeof SelectorType)[keyof typeof SelectorType],
): boolean | undefined => {
  if (!(key in obj)) return undefined;
  if (obj[key] === 'true') return true;
  if (obj[key] === 'false') return false;
  throw new Error(`Cannot load ${type} "${key}". Expected "true" or "false", got ${obj[key]}.`);
};

const booleanSetting = (env: string, config: string) => ({
  environmentVariableSelector: (vars: Environment) => booleanSelector(vars, env, SelectorType.ENV),
  configFileSelector: (profile: Record<string, string | undefined>) =>
    booleanSelector(profile, config, SelectorType.CONFIG),
  default: false,
});

export const DEFAULT_USE_DUALSTACK_ENDPOINT = false;
export const DEFAULT_USE_FIPS_ENDPOINT = false;
export const NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS = booleanSetting(
  'AWS_USE_DUALSTACK_ENDPOINT',
  'use_dualstack_endpoint',
);
export const NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS = booleanSetting(
  'AWS_USE_FIPS_ENDPOINT',
  'use_fips_endpoint',
);

export const REGION_ENV_NAME = 'AWS_REGION';
export const REGION_INI_NAME = 'region';
export const NODE_REGION_CONFIG_OPTIONS = {
  environmentVariableSelector: (env: Environment) => env[REGION_ENV_NAME],
  configFileSelector: (profile: Record<string, string | undefined>) => profile[REGION_INI_NAME],
  // The original asks the instance metadata service first, which Lambda does not have.
  default: async (): Promise<string> => {
    throw new Error('Region is missing');
  },
};
export const NODE_REGION_CONFIG_FILE_OPTIONS = { preferredFile: 'credentials' };

/**
 * A provider asked once and then remembered, as the original's `memoize`: callers meanwhile share the pending
 * answer, a failure is not remembered, and `{ forceRefresh: true }` asks again.
 */
const remember = <T>(provider: () => Promise<T>): ((options?: { forceRefresh?: boolean }) => Promise<T>) => {
  let answer: Promise<T> | undefined;
  return (options) => {
    if (!answer || options?.forceRefresh) {
      const asked = provider();
      answer = asked;
      asked.catch(() => {
        if (answer === asked) answer = undefined;
      });
    }
    return answer;
  };
};

/**
 * A setting: the environment's value, else the default. As in the original, a value the selector refuses
 * (`AWS_USE_FIPS_ENDPOINT=maybe`) falls through to the next source, here the default.
 */
export const loadConfig = <T>(
  { environmentVariableSelector, default: defaultValue }: LoadedConfigSelectors<T>,
  configuration: { signingName?: string; logger?: Logger } = {},
): ((options?: { forceRefresh?: boolean }) => Promise<T>) => {
  const { signingName, logger } = configuration;
  return remember(async () => {
    try {
      const value = environmentVariableSelector(process.env, { signingName, logger });
      if (value !== undefined) return value;
    } catch (error) {
      logger?.debug?.(`@smithy/property-provider -> ${(error as Error).message}`);
    }
    return typeof defaultValue === 'function' ? await (defaultValue as () => Promise<T>)() : defaultValue;
  });
};

const DEFAULTS_MODES = ['in-region', 'cross-region', 'mobile', 'standard', 'legacy'];

const NODE_DEFAULTS_MODE_CONFIG_OPTIONS = {
  environmentVariableSelector: (env: Environment) => env.AWS_DEFAULTS_MODE,
  configFileSelector: (profile: Record<string, string | undefined>) => profile.defaults_mode,
  default: 'legacy',
};

/**
 * The defaults mode, as the original resolves it; `auto` compares the client's region with the one Lambda
 * runs in (`AWS_EXECUTION_ENV` with `AWS_REGION`), and is `standard` elsewhere (the original would ask the
 * instance metadata service there).
 */
export const resolveDefaultsModeConfig = ({
  region = loadConfig(NODE_REGION_CONFIG_OPTIONS),
  defaultsMode = loadConfig(NODE_DEFAULTS_MODE_CONFIG_OPTIONS),
}: {
  region?: string | Provider<string>;
  defaultsMode?: string | Provider<string | undefined>;
} = {}): Provider<string> =>
  remember(async (): Promise<string> => {
    const mode = typeof defaultsMode === 'function' ? await defaultsMode() : defaultsMode;
    switch (mode?.toLowerCase()) {
      case 'auto': {
        const { AWS_EXECUTION_ENV, AWS_REGION, AWS_DEFAULT_REGION } = process.env;
        const physical =
          AWS_EXECUTION_ENV && (AWS_REGION || AWS_DEFAULT_REGION)
            ? (AWS_REGION ?? AWS_DEFAULT_REGION)
            : undefined;
        if (!region || !physical) return 'standard';
        return (typeof region === 'function' ? await region() : region) === physical
          ? 'in-region'
          : 'cross-region';
      }
      case 'in-region':
      case 'cross-region':
      case 'mobile':
      case 'standard':
      case 'legacy':
        return (mode as string).toLocaleLowerCase();
      case undefined:
        return 'legacy';
      default:
        throw new Error(
          `Invalid parameter for "defaultsMode", expect ${DEFAULTS_MODES.join(', ')}, got ${mode}`,
        );
    }
  });

const isFipsRegion = (region: unknown): region is string =>
  typeof region === 'string' && (region.startsWith('fips-') || region.endsWith('-fips'));

const realRegion = (region: string): string => {
  if (!isFipsRegion(region)) return region;
  return ['fips-aws-global', 'aws-fips'].includes(region)
    ? 'us-east-1'
    : region.replace(/fips-(dkr-|prod-)?|-fips/, '');
};

const validRegions = new Set<string>();

const checkRegion = (region: string): void => {
  if (validRegions.has(region) || isValidHostLabel(region)) {
    validRegions.add(region);
    return;
  }
  if (region === '*') {
    console.warn(
      '@smithy/config-resolver WARN - Please use the caller region instead of "*". See "sigv4a" in https://github.com/aws/aws-sdk-js-v3/blob/main/supplemental-docs/CLIENTS.md.',
    );
    return;
  }
  throw new Error(`Region not accepted: region="${region}" is not a valid hostname component.`);
};

/** The client's `region` (a FIPS pseudo-region becomes the real one) and whether it asks for FIPS endpoints. */
export const resolveRegionConfig = <
  T extends { region?: string | Provider<string>; useFipsEndpoint?: boolean | Provider<boolean> },
>(
  input: T,
): T & { region: Provider<string>; useFipsEndpoint: Provider<boolean> } => {
  const { region, useFipsEndpoint } = input;
  if (!region) throw new Error('Region is missing');
  return Object.assign(input, {
    region: async () => {
      const provided = typeof region === 'function' ? await region() : region;
      const real = realRegion(provided);
      checkRegion(real);
      return real;
    },
    useFipsEndpoint: async () => {
      const provided = typeof region === 'string' ? region : await region();
      if (isFipsRegion(provided)) return true;
      return typeof useFipsEndpoint !== 'function' ? Boolean(useFipsEndpoint) : useFipsEndpoint();
    },
  });
};
