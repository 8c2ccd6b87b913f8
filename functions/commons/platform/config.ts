import {
  ENV,
  type IntegerRange,
  inRange,
  SECRET_CACHE_TTL_SECONDS,
  SIGNALWIRE_TIMEOUT_MS,
} from './settings.ts';

/**
 * Configuration from the environment, read once at module scope. A missing required variable fails the
 * cold start loudly instead of failing each request obscurely.
 */

const required = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`environment variable ${name} is required`);
  }
  return value.trim();
};

const integer = (name: string, range: IntegerRange): number => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return range.default;
  const value = Number(raw);
  if (!inRange(range, value)) {
    throw new Error(
      `environment variable ${name} must be an integer from ${range.min} to ${range.max}, got "${raw}"`,
    );
  }
  return value;
};

/** Settings every function that talks to SignalWire shares. */
export interface SignalWireConfig {
  /** Secrets Manager secret name or ARN holding the SignalWire credentials. */
  secretId: string;
  /** How long a warm container reuses the secret before reading it again. */
  secretMaxAgeSeconds: number;
  /** Per-attempt timeout of a SignalWire request. */
  timeoutMs: number;
  /** Exact loopback origin the secret may point at (the local emulator); unset in AWS. */
  localSpaceOrigin: string | undefined;
}

export const readSignalWireConfig = (): SignalWireConfig => ({
  secretId: required(ENV.signalWireSecretId),
  secretMaxAgeSeconds: integer(ENV.secretCacheTtlSeconds, SECRET_CACHE_TTL_SECONDS),
  timeoutMs: integer(ENV.signalWireTimeoutMs, SIGNALWIRE_TIMEOUT_MS),
  localSpaceOrigin: process.env[ENV.signalWireLocalSpaceOrigin]?.trim() || undefined,
});

export const readRequired = required;
export const readInteger = integer;
