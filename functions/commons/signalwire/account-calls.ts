import type { CallsApi, RequestOptions } from '../calls/port.ts';
import { SignalWireError } from '../errors.ts';
import { SignalWireClient, type SignalWireClientOptions } from './client.ts';
import type { CredentialsStore, ProjectCredentials } from './credentials.ts';
import { paginate } from './paginate.ts';
import type { Call, CallListPage, CallUpdate, ListCallsFilter } from './types.ts';

/** Client settings that do not come from the secret. */
export type ClientSettings = Omit<SignalWireClientOptions, 'projectId' | 'apiToken' | 'spaceOrigin'>;

/**
 * Builds clients and keeps one per project, space and token for the life of the container, so kept-alive
 * sockets and the client's idle bookkeeping survive between invocations. A project moved to another space (or
 * given another token) in the secret gets a new client: a cached one would send the new credentials' requests
 * to the old space.
 */
export class ClientPool {
  private readonly clients = new Map<
    string,
    { token: string; spaceOrigin: string; client: SignalWireClient }
  >();

  constructor(private readonly settings: ClientSettings) {}

  clientFor(credentials: ProjectCredentials): SignalWireClient {
    const cached = this.clients.get(credentials.projectId);
    if (cached && cached.token === credentials.apiToken && cached.spaceOrigin === credentials.spaceOrigin) {
      return cached.client;
    }
    const client = new SignalWireClient({
      ...this.settings,
      projectId: credentials.projectId,
      apiToken: credentials.apiToken,
      spaceOrigin: credentials.spaceOrigin,
    });
    this.clients.set(credentials.projectId, {
      token: credentials.apiToken,
      spaceOrigin: credentials.spaceOrigin,
      client,
    });
    return client;
  }
}

/**
 * One project's Calls API with credential rotation handled: when SignalWire answers 401, the secret is read
 * again (bypassing the cache) and, if the token changed, the request is sent once more with the new one.
 * A 401 means SignalWire did not act, so this is safe even for a redirect.
 */
export class AccountCalls implements CallsApi {
  constructor(
    private credentials: ProjectCredentials,
    private readonly store: CredentialsStore,
    private readonly pool: ClientPool,
  ) {}

  get projectId(): string {
    return this.credentials.projectId;
  }

  updateCall(callSid: string, update: CallUpdate, options?: RequestOptions): Promise<Call> {
    return this.withRotation((client) => client.updateCall(callSid, update, options));
  }

  getCall(callSid: string, options?: RequestOptions): Promise<Call> {
    return this.withRotation((client) => client.getCall(callSid, options));
  }

  listCallsPage(
    from: ListCallsFilter | { nextPageUri: string },
    options?: RequestOptions,
  ): Promise<CallListPage> {
    return this.withRotation((client) => client.listCallsPage(from, options));
  }

  listCalls(
    filter: ListCallsFilter,
    options?: RequestOptions,
  ): AsyncGenerator<CallListPage, void, undefined> {
    return paginate(this, filter, options);
  }

  private async withRotation<T>(send: (client: SignalWireClient) => Promise<T>): Promise<T> {
    const used = this.credentials;
    try {
      return await send(this.pool.clientFor(used));
    } catch (error) {
      if (!(error instanceof SignalWireError) || error.status !== 401) throw error;
      const fresh = await this.store.get(used.projectId, true);
      if (fresh.apiToken === used.apiToken) throw error;
      this.credentials = fresh;
      return send(this.pool.clientFor(fresh));
    }
  }
}
