export type JsonObject = Record<string, unknown>;

/** An AWS JSON 1.1 error: the SDK takes the exception name from `__type`. */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Where the stand-in's ARNs and envelopes say they live. */
export interface AwsAccount {
  region: string;
  accountId: string;
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const optionalString = (body: JsonObject, key: string): string | undefined => {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new AwsServiceError('ValidationException', `${key} must be a string.`);
  }
  return value;
};

export const requiredString = (body: JsonObject, key: string): string => {
  const value = optionalString(body, key);
  if (value === undefined || value === '') {
    throw new AwsServiceError('InvalidParameterException', `You must specify a value for ${key}.`);
  }
  return value;
};

/** The body of a JSON 1.1 request: an object, `{}` when empty. */
export const parseJsonBody = (raw: Buffer): JsonObject => {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AwsServiceError('SerializationException', 'The request body is not valid JSON.');
  }
  if (!isObject(parsed)) throw new AwsServiceError('SerializationException', 'Expected a JSON object.');
  return parsed;
};
