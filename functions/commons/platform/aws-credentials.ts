import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (the esbuild alias of
 * infra/runtime.ts). Lambda always puts the execution role's credentials in `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, so the default chain's other providers (SSO, shared ini
 * files, `credential_process`, web identity, container and instance metadata) never run there; bundled, they
 * were about a third of each function and parsed at every cold start. The SDK clients call this exactly as
 * they call the default chain, and still memoise and refresh what it returns.
 */
export const defaultProvider = (init: FromEnvInit = {}): ReturnType<typeof fromEnv> => fromEnv(init);
