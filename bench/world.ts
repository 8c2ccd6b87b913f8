import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalAws } from '#local/aws-emulator';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { functionEnv, lambdaHeapFlags } from './harness.ts';
import { FUNCTION_MEMORY_MB } from './measurement.ts';
import { addLamlPrefix, startProxy } from './proxy.ts';
import type { BenchCertificates } from './tls.ts';

/** The SignalWire project every loopback world serves. */
export const PROJECT_ID = '3f6b2a1c-8d4e-4b7a-9c5d-2e1f0a9b8c7d';

/** The loopback world of the cold-start and warm rows: Secrets Manager, the emulator, and the two proxies. */
export interface World {
  aws: LocalAws;
  emulator: SignalWireEmulator;
  apiToken: string;
  /** Pass-through proxy (the project, where it is compared with the reference). */
  passThrough: Awaited<ReturnType<typeof startProxy>>;
  /** Path-rewriting proxy (the reference: the SDK's path lacks `/api/laml`). */
  rewriting: Awaited<ReturnType<typeof startProxy>>;
  secrets: { direct: string; passThrough: string; reference: string };
  /** Set when every server of this world speaks https with the bench's certificate. */
  certificates: BenchCertificates | undefined;
  stop(): Promise<void>;
}

/** Starts the world; with `certificates`, the emulator, Secrets Manager and both proxies serve https. */
export const startWorld = async (certificates?: BenchCertificates): Promise<World> => {
  const tls = certificates ? { tls: certificates.server } : {};
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const emulator = await SignalWireEmulator.start({
    projects: [{ projectId: PROJECT_ID, apiToken }],
    maxRecordedRequests: 1000,
    ...tls,
  });
  const aws = await LocalAws.start(tls);
  const upstreamCa = certificates ? { upstreamCa: readFileSync(certificates.caFile, 'utf8') } : {};
  const passThrough = await startProxy({ target: emulator.url, ...tls, ...upstreamCa });
  const rewriting = await startProxy({ target: emulator.url, rewrite: addLamlPrefix, ...tls, ...upstreamCa });
  const secret = (spaceUrl: string) => JSON.stringify({ projectId: PROJECT_ID, apiToken, spaceUrl });
  const secrets = { direct: 'bench/direct', passThrough: 'bench/pass-through', reference: 'bench/reference' };
  aws.putSecret(secrets.direct, secret(emulator.url));
  aws.putSecret(secrets.passThrough, secret(passThrough.url));
  aws.putSecret(secrets.reference, secret(rewriting.url));
  return {
    aws,
    emulator,
    apiToken,
    passThrough,
    rewriting,
    secrets,
    certificates,
    stop: async () => {
      await Promise.all([passThrough.stop(), rewriting.stop()]);
      await Promise.all([emulator.stop(), aws.stop()]);
    },
  };
};

export interface Setup {
  bundle: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The three function set-ups compared in the cold-start and warm rows. Over TLS the children trust the
 * bench's CA through `NODE_EXTRA_CA_CERTS` and nothing else: verification stays on.
 */
export const setups = (
  world: World,
  out: string,
): Record<'project' | 'projectDirect' | 'reference', Setup> => {
  const env = (secretId: string, localSpaceOrigin: string, functionName: string) =>
    functionEnv({
      awsEndpoint: world.aws.url,
      memoryMb: FUNCTION_MEMORY_MB,
      secretId,
      localSpaceOrigin,
      functionName,
      ...(world.certificates ? { extra: { NODE_EXTRA_CA_CERTS: world.certificates.caFile } } : {}),
    });
  return {
    project: {
      bundle: join(out, 'http-api', 'index.mjs'),
      env: env(world.secrets.passThrough, world.passThrough.url, 'call-control-http-api'),
    },
    projectDirect: {
      bundle: join(out, 'http-api', 'index.mjs'),
      env: env(world.secrets.direct, world.emulator.url, 'call-control-http-api'),
    },
    reference: {
      bundle: join(out, 'reference', 'index.mjs'),
      env: env(world.secrets.reference, world.rewriting.url, 'sdk-reference'),
    },
  };
};

/** The same set-up without `--enable-source-maps` (the heap flags stay). */
export const withoutSourceMaps = (setup: Setup): Setup => ({
  bundle: setup.bundle,
  env: { ...setup.env, NODE_OPTIONS: lambdaHeapFlags(FUNCTION_MEMORY_MB) },
});

/** The same set-up with Node's own `--enable-source-maps`, which reads and parses the whole map at import. */
export const withNodeSourceMaps = (setup: Setup): Setup => ({
  bundle: setup.bundle,
  env: { ...setup.env, NODE_OPTIONS: `--enable-source-maps ${lambdaHeapFlags(FUNCTION_MEMORY_MB)}` },
});

export const seedLive = (world: World): string =>
  world.emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: 60 }).sid;

export const assertEnded = (world: World, sids: readonly string[], what: string): void => {
  const live = sids.filter((sid) => world.emulator.getCall(PROJECT_ID, sid)?.status !== 'completed');
  if (live.length > 0) throw new Error(`${what}: ${live.length} of ${sids.length} calls were not ended`);
};
