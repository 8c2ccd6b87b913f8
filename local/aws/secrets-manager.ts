import { randomBytes, randomUUID } from 'node:crypto';
import {
  type AwsAccount,
  AwsServiceError,
  type JsonObject,
  optionalString,
  requiredString,
} from './protocol.ts';

/**
 * A fault answered instead of the next Secrets Manager request(s); `pass` answers them normally, so that a
 * sequence of faults can have working requests between them.
 */
export type SecretsManagerFault =
  | { kind: 'error'; type: string; status: number; message?: string; times?: number }
  | { kind: 'drop'; times?: number }
  | { kind: 'pass'; times?: number };

interface StoredSecret {
  name: string;
  arn: string;
  versionId: string;
  secretString: string;
  createdDate: number;
}

/** The `x-amz-target` prefix of Secrets Manager's JSON 1.1 operations. */
export const SECRETS_MANAGER_PREFIX = 'secretsmanager.';
const SECRET_NOT_FOUND = "Secrets Manager can't find the specified secret.";
const ARN_SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const randomArnSuffix = (): string =>
  Array.from(randomBytes(6), (byte) => ARN_SUFFIX_ALPHABET[byte % ARN_SUFFIX_ALPHABET.length]).join('');

/** Secrets Manager's `GetSecretValue`, `CreateSecret` and `PutSecretValue`, with injectable faults. */
export class LocalSecretsManager {
  /** Every `GetSecretValue` received, faulted ones included. */
  readonly secretReads: Array<{ secretId: string; at: number }> = [];

  readonly #account: AwsAccount;
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #faults: Array<SecretsManagerFault & { remaining: number }> = [];

  constructor(account: AwsAccount) {
    this.#account = account;
  }

  /** Creates or updates a secret (a new VersionId each time) and returns its ARN. */
  putSecret(name: string, secretString: string): string {
    const existing = this.#secrets.get(name);
    const secret: StoredSecret = {
      name,
      arn:
        existing?.arn ??
        `arn:aws:secretsmanager:${this.#account.region}:${this.#account.accountId}:secret:${name}-${randomArnSuffix()}`,
      versionId: randomUUID(),
      secretString,
      createdDate: Date.now() / 1000,
    };
    this.#secrets.set(name, secret);
    return secret.arn;
  }

  deleteSecret(name: string): void {
    this.#secrets.delete(name);
  }

  injectFault(fault: SecretsManagerFault): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /**
   * Answers one request: the result, or `undefined` when an injected fault says to drop the connection
   * without an answer. Throws {@link AwsServiceError} for AWS errors, injected ones included.
   */
  handle(operation: string, body: JsonObject): JsonObject | undefined {
    if (operation === 'GetSecretValue') {
      this.secretReads.push({ secretId: String(body.SecretId ?? ''), at: Date.now() });
    }
    const fault = this.#takeFault();
    if (fault?.kind === 'drop') return undefined;
    if (fault?.kind === 'error') {
      throw new AwsServiceError(fault.type, fault.message ?? `Injected ${fault.type}`, fault.status);
    }
    return this.#operation(operation, body);
  }

  #takeFault(): SecretsManagerFault | undefined {
    const fault = this.#faults[0];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.shift();
    return fault;
  }

  #findSecret(secretId: string): StoredSecret {
    const secret = secretId.startsWith('arn:')
      ? [...this.#secrets.values()].find((candidate) => candidate.arn === secretId)
      : this.#secrets.get(secretId);
    if (!secret) throw new AwsServiceError('ResourceNotFoundException', SECRET_NOT_FOUND);
    return secret;
  }

  #operation(operation: string, body: JsonObject): JsonObject {
    switch (operation) {
      case 'GetSecretValue': {
        const secret = this.#findSecret(requiredString(body, 'SecretId'));
        const versionId = optionalString(body, 'VersionId');
        const versionStage = optionalString(body, 'VersionStage');
        // Only the AWSCURRENT version is kept, so any other version or label is unknown.
        if (versionId !== undefined && versionId !== secret.versionId) {
          throw new AwsServiceError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
          );
        }
        if (versionStage !== undefined && versionStage !== 'AWSCURRENT') {
          throw new AwsServiceError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for staging label: ${versionStage}`,
          );
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          SecretString: secret.secretString,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.createdDate,
        };
      }
      case 'CreateSecret': {
        const name = requiredString(body, 'Name');
        if (this.#secrets.has(name)) {
          throw new AwsServiceError(
            'ResourceExistsException',
            `The operation failed because the secret ${name} already exists.`,
          );
        }
        return this.#storeVersion(name, body);
      }
      case 'PutSecretValue':
        return {
          ...this.#storeVersion(this.#findSecret(requiredString(body, 'SecretId')).name, body),
          VersionStages: ['AWSCURRENT'],
        };
      default:
        throw new AwsServiceError('UnknownOperationException', `Unsupported operation: ${operation}`);
    }
  }

  #storeVersion(name: string, body: JsonObject): JsonObject {
    const secretString = requiredString(body, 'SecretString');
    const arn = this.putSecret(name, secretString);
    const secret = this.#secrets.get(name) as StoredSecret;
    // The SDK fills ClientRequestToken with an idempotency token, which Secrets Manager uses as the VersionId.
    const token = optionalString(body, 'ClientRequestToken');
    if (token) secret.versionId = token;
    return { ARN: arn, Name: name, VersionId: secret.versionId };
  }
}
