import type { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CallingClient } from '../calling/client.ts';
import type { NativeCallsApi, ProjectCallsApi } from '../calls/port.ts';
import { sdkClientDefaults } from '../platform/aws-sdk.ts';
import type { SignalWireConfig } from '../platform/config.ts';
import { traced } from '../platform/tracing.ts';
import { AccountCalls, ClientPool } from './account-calls.ts';
import { CredentialsStore, parseLocalOrigin, projectKeyOf, SecretsManagerSource } from './credentials.ts';

/** Keys derived per project from its credentials, for callers that seal their own tokens (the list cursor). */
export interface ProjectKeys {
  /**
   * The key for `purpose` of `accountSid` (or of the secret's default project) and the project it belongs to;
   * derived from the API token, never revealing it. Reads (or reuses) the secret.
   */
  projectKey(accountSid: string | undefined, purpose: string): Promise<{ projectId: string; key: Buffer }>;
}

/** How functions reach SignalWire: credentials from Secrets Manager, one kept-alive client per project. */
export interface SignalWireAccess extends ProjectKeys {
  /** The Calls API of `accountSid`, or of the secret's default project. Reads (or reuses) the secret. */
  forAccount(accountSid?: string): Promise<ProjectCallsApi>;
}

/** How functions reach the native Calling API and voice logs of a project (`calls/native-calls.ts`). */
export interface NativeCallsAccess {
  /**
   * The native API of `accountSid` (or of the secret's default project), on the same pooled client as its
   * Compatibility API. A token rotated under it is picked up on the next read of the secret, not on a 401.
   */
  nativeFor(accountSid?: string): Promise<NativeCallsApi>;
}

/** Wires the Secrets Manager source, the credentials cache and the client pool from configuration. */
export const createSignalWireAccess = (
  config: SignalWireConfig,
  logger: Logger,
): SignalWireAccess & NativeCallsAccess => {
  const source = new SecretsManagerSource(
    config.secretId,
    config.secretMaxAgeSeconds,
    traced(new SecretsManagerClient(sdkClientDefaults())),
  );
  const store = new CredentialsStore(source, {
    allowedLocalOrigin: parseLocalOrigin(config.localSpaceOrigin),
  });
  const pool = new ClientPool({
    timeoutMs: config.timeoutMs,
    onRetry: (notice) => logger.warn('retrying SignalWire request', { retry: notice }),
  });
  return {
    async forAccount(accountSid) {
      return new AccountCalls(await store.get(accountSid), store, pool);
    },
    async nativeFor(accountSid) {
      return new CallingClient(pool.clientFor(await store.get(accountSid)));
    },
    async projectKey(accountSid, purpose) {
      const credentials = await store.get(accountSid);
      return { projectId: credentials.projectId, key: projectKeyOf(credentials, purpose) };
    },
  };
};
