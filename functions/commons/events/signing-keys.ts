import type { CredentialsStore } from '../credentials.ts';

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
