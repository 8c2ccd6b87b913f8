import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { CallActionResult } from '#commons/calls/service';
import type { CallUpdate } from '#commons/signalwire/types';
import { cliErrorOf, forbidden } from './api-errors.ts';
import {
  apiOf,
  type CallApi,
  type CallsBackend,
  type CallsPage,
  type ListedCall,
  type ListFilter,
} from './backend.ts';
import { CliError } from './errors.ts';
import { NodeSha256 } from './sha256.ts';

export interface ApiBackendOptions {
  /** The API's base URL (`ApiUrl` output, or the local stack's). */
  apiUrl: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** For messages: "the deployed stack X", "the local stack". */
  where: string;
  /** What to try when the API cannot be reached at all. */
  unreachableHint: string;
  /** What to try when the API refuses the signature (403). @default the AWS credentials hint */
  forbiddenHint?: string;
  /** Per request. @default 35000 (longer than API Gateway's own 30 s integration timeout) */
  timeoutMs?: number;
}

interface ApiErrorBody {
  error?: { code?: string; message?: string };
  message?: string;
}

/**
 * The operator HTTP API, every request signed with SigV4 (service `execute-api`) using the caller's AWS
 * credentials, as API Gateway's IAM authorization requires. The function behind it validates, acts and
 * writes the audit record with the caller's IAM identity.
 */
export class ApiBackend implements CallsBackend {
  readonly where: string;
  readonly #signer: SignatureV4;
  readonly #base: URL;

  constructor(private readonly options: ApiBackendOptions) {
    this.where = options.where;
    this.#base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
    this.#signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service: 'execute-api',
      sha256: NodeSha256,
    });
  }

  async listPage(filter: ListFilter, cursor?: string): Promise<CallsPage> {
    const query: Record<string, string> = {};
    // A cursor is sent alone: the API refuses filters next to it (they travel inside the cursor).
    if (cursor) query.cursor = cursor;
    else
      for (const [name, value] of Object.entries(filter))
        if (value !== undefined) query[name] = String(value);
    const page = (await this.#send('GET', 'calls', query)).body as {
      calls: ListedCall[];
      next_cursor: string | null;
    };
    return { calls: page.calls, nextCursor: page.next_cursor };
  }

  async getCall(callSid: string, api?: CallApi): Promise<ListedCall> {
    const answer = await this.#send('GET', `calls/${callSid}`, api ? { api } : {});
    return { ...(answer.body as ListedCall), api: this.#apiOf(answer) };
  }

  // A named API travels in the body of a change (the API's `api` field), in the query of a read.
  async endCall(callSid: string, api?: CallApi): Promise<CallActionResult> {
    return this.#action(
      await this.#send('POST', `calls/${callSid}/terminate`, {}, api ? { api } : undefined),
    );
  }

  async updateCall(callSid: string, update: CallUpdate, api?: CallApi): Promise<CallActionResult> {
    return this.#action(
      await this.#send('POST', `calls/${callSid}`, {}, { ...update, ...(api ? { api } : {}) }),
    );
  }

  async transferCall(callSid: string, dest: string, api?: CallApi): Promise<CallActionResult> {
    return this.#action(
      await this.#send('POST', `calls/${callSid}/transfer`, {}, { dest, ...(api ? { api } : {}) }),
    );
  }

  /** The API owning the call: the `x-call-api` header the API answers with, else what the call shows. */
  #apiOf(answer: { body: unknown; api: string | null }): CallApi {
    return answer.api === 'calling' || answer.api === 'compatibility'
      ? answer.api
      : apiOf(answer.body as ListedCall);
  }

  #action(answer: { body: unknown; outcome: string | null; api: string | null }): CallActionResult {
    return {
      call: answer.body as ListedCall,
      outcome: answer.outcome === 'already-ended' ? 'already-ended' : 'updated',
      api: this.#apiOf(answer),
    };
  }

  async #send(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string> = {},
    json?: unknown,
  ): Promise<{ body: unknown; outcome: string | null; api: string | null }> {
    const url = new URL(path, this.#base);
    const body = json === undefined ? undefined : JSON.stringify(json);
    const headers: Record<string, string> = { host: url.host, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signed = await this.#signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const search = new URLSearchParams(query).toString();
    const target = `${url.origin}${url.pathname}${search ? `?${search}` : ''}`;
    let response: Response;
    try {
      const sent = { ...(signed.headers as Record<string, string>) };
      delete sent.host;
      response = await fetch(target, {
        method,
        headers: sent,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 35_000),
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      throw new CliError(
        `could not reach ${this.where} at ${url.origin} (${reason})`,
        this.options.unreachableHint,
        1,
        'API_UNREACHABLE',
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok)
      return {
        body: parsed,
        outcome: response.headers.get('x-call-outcome'),
        api: response.headers.get('x-call-api'),
      };
    const answer = (parsed ?? {}) as ApiErrorBody;
    if (response.status === 403 && !answer.error) {
      throw forbidden(
        `${this.where} refused the request (403): ${answer.message ?? 'Forbidden'}`,
        this.options.forbiddenHint,
      );
    }
    throw cliErrorOf({
      code: answer.error?.code ?? (response.status === 404 ? 'ROUTE_NOT_FOUND' : 'INTERNAL_ERROR'),
      message: answer.error?.message ?? answer.message ?? `${this.where} answered HTTP ${response.status}`,
      httpStatus: response.status,
    });
  }
}
