import type { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ProjectCallsApi } from '../calls/port.ts';
import { sdkClientDefaults } from '../platform/aws-sdk.ts';
import type { SignalWireConfig } from '../platform/config.ts';
import { traced } from '../platform/tracing.ts';
import { AccountCalls, ClientPool } from './account-calls.ts';
import { CredentialsStore, parseLocalOrigin, SecretsManagerSource } from './credentials.ts';

/** How functions reach SignalWire: credentials from Secrets Manager, one kept-alive client per project. */
export interface SignalWireAccess {
  /** The Calls API of `accountSid`, or of the secret's default project. Reads (or reuses) the secret. */
  forAccount(accountSid?: string): Promise<ProjectCallsApi>;
}

/** Wires the Secrets Manager source, the credentials cache and the client pool from configuration. */
export const createSignalWireAccess = (config: SignalWireConfig, logger: Logger): SignalWireAccess => {
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
  };
};
