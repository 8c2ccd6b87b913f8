import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type CompatibilityApi, RestClient, type SdkRequestOptions } from '@signalwire/compatibility-api';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * The reference the benchmark compares against: the handler a user would write with SignalWire's official
 * Node SDK and the Secrets Manager client. It ends the call of `POST /calls/{callSid}/terminate` with
 * `client.calls(sid).update({ status: 'completed' })`, reading the same secret as the project's functions and
 * keeping the SDK client for the life of the container.
 */

const secretId = process.env.SIGNALWIRE_SECRET_ID;
/**
 * `REFERENCE_KEEP_ALIVE=true` is the variant a user who tunes the SDK deploys: its request client asks for
 * `forever` (the SDK's `Connection: keep-alive`; Node's global agent then keeps the connection), which is off
 * by default, so each request otherwise pays a new TCP (and TLS) handshake.
 */
const keepAlive = process.env.REFERENCE_KEEP_ALIVE === 'true';
const secrets = new SecretsManagerClient({});

/**
 * The SDK always builds `https://{signalwireSpaceUrl}/...`. The local emulator speaks plain HTTP, so for a
 * loopback `http://` space the SDK's own request client (axios) is kept and only the scheme is changed,
 * through the SDK's supported `httpClient` option. The same option carries `forever` for the keep-alive variant.
 */
class BenchRequestClient extends RestClient.RequestClient {
  constructor(private readonly plainHttp: boolean) {
    super();
  }

  override request(opts: SdkRequestOptions) {
    return super.request({
      ...opts,
      uri: this.plainHttp ? opts.uri.replace(/^https:/, 'http:') : opts.uri,
      ...(keepAlive ? { forever: true } : {}),
    });
  }
}

interface Secret {
  projectId: string;
  apiToken: string;
  spaceUrl: string;
}

const connect = async (): Promise<CompatibilityApi> => {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  const { projectId, apiToken, spaceUrl } = JSON.parse(SecretString ?? '{}') as Secret;
  const space = new URL(/^https?:\/\//.test(spaceUrl) ? spaceUrl : `https://${spaceUrl}`);
  return RestClient(projectId, apiToken, {
    signalwireSpaceUrl: space.host,
    ...(space.protocol === 'http:' || keepAlive
      ? { httpClient: new BenchRequestClient(space.protocol === 'http:') }
      : {}),
  });
};

let client: Promise<CompatibilityApi> | undefined;

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** API Gateway HTTP API (payload v2) handler for `POST /calls/{callSid}/terminate`. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const callSid = event.pathParameters?.callSid;
  if (!callSid) return json(400, { message: 'callSid is required' });
  client ??= connect().catch((error: unknown) => {
    client = undefined;
    throw error;
  });
  try {
    const call = await (await client).calls(callSid).update({ status: 'completed' });
    return json(200, call.toJSON());
  } catch (error) {
    // The SDK's RestException carries SignalWire's HTTP status; anything else is a failure to reach it.
    const status = (error as { status?: unknown }).status;
    const message = error instanceof Error ? error.message : 'SignalWire request failed';
    return json(typeof status === 'number' && status < 500 ? status : 502, { message });
  }
};
