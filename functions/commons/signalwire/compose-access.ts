import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CallingClient } from '../calling/client.ts';
import type { NativeCallsApi, ProjectCallsApi } from '../calls/port.ts';
import { AccountCalls, ClientPool, type ClientSettings } from './account-calls.ts';
import {
  CredentialsStore,
  type ProjectCredentials,
  projectKeyOf,
  SecretsManagerSource,
} from './credentials.ts';

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

/** The parts of an access, for a caller that also reads the credentials themselves (signing keys, the CLI). */
export interface ComposedSignalWireAccess extends SignalWireAccess, NativeCallsAccess {
  /** The secret source behind a cache of its parsed credentials. */
  readonly credentials: CredentialsStore;
  /** The Calls API of credentials already read from {@link credentials}. */
  callsOf(project: ProjectCredentials): ProjectCallsApi;
}

/** What an access is built from. */
export interface SignalWireAccessParts {
  /** Secrets Manager secret name or ARN holding the SignalWire credentials. */
  secretId: string;
  /** How long the secret is reused before it is read again (0: every read goes to Secrets Manager). */
  secretMaxAgeSeconds: number;
  /** The one loopback origin the secret may point at (the local emulator), already parsed; unset in AWS. */
  allowedLocalOrigin: string | undefined;
  /** The Secrets Manager client (the functions' is traced; the CLI's carries the user's credentials). */
  secretsManager: SecretsManagerClient;
  /** Settings of every SignalWire client (per-attempt timeout, retry notices). */
  client: ClientSettings;
}

/**
 * The one composition root of SignalWire access: secret source, credentials cache and client pool, built the
 * same way for the four functions, the local stack (which runs those functions) and the CLI's `--direct` and
 * `--local` targets.
 */
export const composeSignalWireAccess = (parts: SignalWireAccessParts): ComposedSignalWireAccess => {
  const source = new SecretsManagerSource(parts.secretId, parts.secretMaxAgeSeconds, parts.secretsManager);
  const credentials = new CredentialsStore(source, { allowedLocalOrigin: parts.allowedLocalOrigin });
  const pool = new ClientPool(parts.client);
  const callsOf = (project: ProjectCredentials): ProjectCallsApi =>
    new AccountCalls(project, credentials, pool);
  return {
    credentials,
    callsOf,
    async forAccount(accountSid) {
      return callsOf(await credentials.get(accountSid));
    },
    async nativeFor(accountSid) {
      return new CallingClient(pool.clientFor(await credentials.get(accountSid)));
    },
    async projectKey(accountSid, purpose) {
      const project = await credentials.get(accountSid);
      return { projectId: project.projectId, key: projectKeyOf(project, purpose) };
    },
  };
};
