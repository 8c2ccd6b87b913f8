import { afterEach } from 'vitest';
import { type RetryNotice, SignalWireClient } from '#commons/signalwire/client';
import { PROJECT_ID } from './fixtures.ts';
import { type Script, startScriptedServer } from './scripted-server.ts';

/** The API token the scripted clients send (a unit test's; it must never appear in an error). */
export const SCRIPTED_TOKEN = 'PTunit-test-token-0123456789';

/** The settings a test's client starts from: quick retries (4 attempts, 10–40 ms), no jitter, notices kept. */
export const quickRetries = (notices: RetryNotice[]) => ({
  retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40, maxTotalMs: 2_000 },
  onRetry: (notice: RetryNotice) => notices.push(notice),
  random: () => 1,
});

type ScriptedServer = Awaited<ReturnType<typeof startScriptedServer>>;
type ClientOptions = ConstructorParameters<typeof SignalWireClient>[0];

/**
 * The SignalWire client against scripted loopback servers, for a test file: `startServer` starts one (closed
 * after the test), `clientFor` starts one and gives a client for it with {@link quickRetries} and its retry
 * notices, which `options` may override.
 */
export const useScriptedClient = () => {
  const open: ScriptedServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((server) => server.close()));
  });
  const startServer = async (script: Script[]): Promise<ScriptedServer> => {
    const server = await startScriptedServer(script);
    open.push(server);
    return server;
  };
  const clientFor = async (script: Script[], options: Partial<ClientOptions> = {}) => {
    const server = await startServer(script);
    const notices: RetryNotice[] = [];
    const client = new SignalWireClient({
      projectId: PROJECT_ID,
      apiToken: SCRIPTED_TOKEN,
      spaceOrigin: server.origin,
      ...quickRetries(notices),
      ...options,
    });
    return { client, notices, received: server.received };
  };
  return { clientFor, startServer };
};
