import type { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sdkClientDefaults } from '../platform/aws-sdk.ts';
import type { SignalWireConfig } from '../platform/config.ts';
import { traced } from '../platform/tracing.ts';
import { type ComposedSignalWireAccess, composeSignalWireAccess } from './compose-access.ts';
import { parseLocalOrigin } from './credentials.ts';

export type { ComposedSignalWireAccess, ProjectKeys, SignalWireAccess } from './compose-access.ts';

/**
 * A function's access to SignalWire, from its configuration, through the one composition root
 * ({@link composeSignalWireAccess}): the secret read with a traced Secrets Manager client, retries logged as
 * warnings.
 */
export const createSignalWireAccess = (config: SignalWireConfig, logger?: Logger): ComposedSignalWireAccess =>
  composeSignalWireAccess({
    secretId: config.secretId,
    secretMaxAgeSeconds: config.secretMaxAgeSeconds,
    allowedLocalOrigin: parseLocalOrigin(config.localSpaceOrigin),
    secretsManager: traced(new SecretsManagerClient(sdkClientDefaults())),
    client: {
      timeoutMs: config.timeoutMs,
      ...(logger
        ? { onRetry: (notice) => logger.warn('retrying SignalWire request', { retry: notice }) }
        : {}),
    },
  });
