import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsAccount } from './protocol.ts';

/** A Lambda function of the local stack: its log group, and what running it means. */
export interface LocalFunction {
  logGroup: string;
  /** The function's environment, as `GetFunctionConfiguration` reports it. */
  environment?: Record<string, string>;
  /**
   * Aliases an `Invoke` may name (`name:alias` or `?Qualifier=alias`); any other qualifier is not found,
   * as in Lambda. @default [] (the unqualified function only)
   */
  aliases?: readonly string[];
  /** Runs the function; `alias` is the one the invoke named, for the context's `invokedFunctionArn`. */
  invoke(payload: unknown, alias?: string): Promise<unknown>;
}

/** The REST paths of `GetFunctionConfiguration` and `Invoke`: the function name, then the operation. */
export const LAMBDA_FUNCTION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/(configuration|invocations)$/;

/** Lambda functions of the local stack, over Lambda's REST API. */
export class LocalLambda {
  readonly #account: AwsAccount;
  readonly #functions = new Map<string, LocalFunction>();
  readonly #targetRuns: Set<Promise<void>>;

  /** `targetRuns` collects the `Event` invocations, which the stand-in awaits in `drainTargets`. */
  constructor(account: AwsAccount, targetRuns: Set<Promise<void>>) {
    this.#account = account;
    this.#targetRuns = targetRuns;
  }

  addFunction(name: string, fn: LocalFunction): void {
    this.#functions.set(name, fn);
  }

  /** Lambda's REST API: `GetFunctionConfiguration` and `Invoke`. */
  handle(
    name: string,
    operation: string,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    requestId: string,
  ): void {
    const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        ...headers,
      });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    // Lambda takes the qualifier from the name (`fn:alias`) or the `Qualifier` query parameter.
    const [bare = name, suffix] = name.split(':', 2);
    const qualifier =
      suffix ?? new URL(req.url ?? '/', 'http://localhost').searchParams.get('Qualifier') ?? undefined;
    const fn = this.#functions.get(bare);
    const alias = qualifier === '$LATEST' ? undefined : qualifier;
    if (!fn || (alias !== undefined && !(fn.aliases ?? []).includes(alias))) {
      json(
        404,
        { Type: 'User', message: `Function not found: ${name}` },
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
      );
      return;
    }
    if (operation === 'configuration') {
      json(200, {
        FunctionName: bare,
        FunctionArn: `arn:aws:lambda:${this.#account.region}:${this.#account.accountId}:function:${name}`,
        LoggingConfig: { LogFormat: 'JSON', LogGroup: fn.logGroup },
        ...(fn.environment ? { Environment: { Variables: fn.environment } } : {}),
      });
      return;
    }
    const payload: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    if (String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse') === 'Event') {
      const run: Promise<void> = fn
        .invoke(payload, alias)
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => this.#targetRuns.delete(run));
      this.#targetRuns.add(run);
      json(202, undefined);
      return;
    }
    fn.invoke(payload, alias).then(
      (result) => json(200, result ?? null, { 'x-amz-executed-version': '$LATEST' }),
      (error: unknown) =>
        json(
          200,
          { errorType: error instanceof Error ? error.name : 'Error', errorMessage: String(error) },
          { 'x-amz-function-error': 'Unhandled' },
        ),
    );
  }
}
