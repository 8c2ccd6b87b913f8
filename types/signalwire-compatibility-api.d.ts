/**
 * The slice of `@signalwire/compatibility-api` the benchmark's reference handler and the signature tests use. The package's own typings are not
 * reachable through its `exports` map (it has no `types` condition), so TypeScript would see `any`.
 */
declare module '@signalwire/compatibility-api' {
  /** Options of the SDK's HTTP layer (`lib/base/RequestClient`). */
  export interface SdkRequestOptions {
    method: string;
    uri: string;
    username?: string;
    password?: string;
    headers?: Record<string, string>;
    params?: object;
    data?: object;
    timeout?: number;
    allowRedirects?: boolean;
    forever?: boolean;
  }

  /** The SDK's default HTTP layer (axios underneath). */
  export class SdkRequestClient {
    request(opts: SdkRequestOptions): Promise<{ statusCode: number; body: unknown }>;
  }

  export interface CompatibilityApiCall {
    toJSON(): Record<string, unknown>;
  }

  export interface CompatibilityApi {
    calls(sid: string): {
      update(opts: {
        status?: 'canceled' | 'completed';
        url?: string;
        method?: string;
      }): Promise<CompatibilityApiCall>;
    };
  }

  export interface CompatibilityAPIRestClientOptions {
    /** Space host, e.g. `example.signalwire.com`; the SDK always prefixes `https://`. */
    signalwireSpaceUrl?: string;
    /** Replaces the SDK's HTTP layer (a supported option of the twilio-node client it forks). */
    httpClient?: SdkRequestClient;
    lazyLoading?: boolean;
  }

  export const RestClient: {
    (username: string, token: string, opts?: CompatibilityAPIRestClientOptions): CompatibilityApi;
    RequestClient: typeof SdkRequestClient;
  };
}
