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

const integer = (name: string, fallback: number, min: number, max: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`environment variable ${name} must be an integer from ${min} to ${max}, got "${raw}"`);
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
  secretId: required('SIGNALWIRE_SECRET_ID'),
  secretMaxAgeSeconds: integer('SECRET_CACHE_TTL_SECONDS', 300, 0, 86_400),
  timeoutMs: integer('SIGNALWIRE_TIMEOUT_MS', 5_000, 100, 60_000),
  localSpaceOrigin: process.env.SIGNALWIRE_LOCAL_SPACE_ORIGIN?.trim() || undefined,
});

export const readRequired = required;
export const readInteger = integer;
