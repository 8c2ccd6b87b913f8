import { AccountNotConfiguredError } from '../errors.ts';
import { logger } from '../platform/powertools.ts';
import type { CredentialsStore } from '../signalwire/credentials.ts';
import { type FormParams, signatureOf, verifySignature } from './signature.ts';

export interface SigningKeysOptions {
  /** Least time between two forced reads of the secret. @default 60000 */
  minRefreshIntervalMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The projects' signing keys, from the SignalWire secret (cached with it). When a signature does not match,
 * the key may just have been rotated: the secret may then be read again, but at most once per interval per
 * container, so that forged requests cannot turn every callback into a Secrets Manager read.
 */
export class SigningKeys {
  readonly #store: CredentialsStore;
  readonly #minRefreshIntervalMs: number;
  readonly #now: () => number;
  #lastRefreshAt = Number.NEGATIVE_INFINITY;

  constructor(store: CredentialsStore, options: SigningKeysOptions = {}) {
    this.#store = store;
    this.#minRefreshIntervalMs = options.minRefreshIntervalMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** The project's signing key, or undefined when the secret holds none for it. */
  async current(accountSid: string | undefined): Promise<string | undefined> {
    return (await this.#store.get(accountSid)).signingKey;
  }

  /**
   * A key different from `previous`, read afresh from Secrets Manager; undefined when the key is unchanged or
   * a fresh read happened too recently.
   */
  async rotated(accountSid: string | undefined, previous: string | undefined): Promise<string | undefined> {
    const now = this.#now();
    if (now - this.#lastRefreshAt < this.#minRefreshIntervalMs) return undefined;
    this.#lastRefreshAt = now;
    const key = (await this.#store.get(accountSid, true)).signingKey;
    return key !== previous ? key : undefined;
  }
}

/**
 * Whether a callback carries the signature of the project it names (or of the default project): `verify`
 * checks a signature with a key, by the scheme of the callback's kind.
 */
export const isSignedBy = async (
  signingKeys: SigningKeys,
  headers: Record<string, string | undefined>,
  accountSid: string | undefined,
  verify: (signingKey: string, signature: string) => boolean,
): Promise<boolean> => {
  const signature = signatureOf(headers);
  if (!signature) return false;
  // The project named is not trusted here: it only chooses which project's key must have signed the request.
  let key: string | undefined;
  try {
    key = await signingKeys.current(accountSid);
  } catch (error) {
    if (error instanceof AccountNotConfiguredError) return false;
    throw error;
  }
  if (key !== undefined && verify(key, signature)) return true;
  const rotated = await signingKeys.rotated(accountSid, key);
  if (key === undefined && rotated === undefined) {
    logger.error('no signingKey for this project in the SignalWire secret: its callbacks are refused', {
      accountSid,
    });
  }
  return rotated !== undefined && verify(rotated, signature);
};

/** Whether a form callback carries the signature of the project it names (or of the default project). */
export const isSignedCallback = (
  signingKeys: SigningKeys,
  headers: Record<string, string | undefined>,
  url: string,
  { values, signed: params }: { values: FormParams; signed: FormParams },
): Promise<boolean> =>
  isSignedBy(
    signingKeys,
    headers,
    values.find(([name]) => name === 'AccountSid')?.[1],
    (signingKey, signature) => verifySignature({ signingKey, signature, url, params }),
  );
