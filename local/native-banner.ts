/**
 * What `npm start` prints about the native calls it seeds: the calls, and commands to try on them that work as
 * written (test/integration/start-banner.test.ts runs each one, in order, against a local stack).
 */
import type { NativeSeeds } from './native-seeds.ts';

/**
 * The seeded native calls, and `curl` commands on them through the HTTP API; `compatibilitySid`, a live
 * Compatibility call, shows the transfer refused.
 */
export const nativeCallLines = (
  base: string,
  native: NativeSeeds,
  compatibilitySid: string | undefined,
): string[] => {
  const [swml, ringing] = native.swml;
  const [queued] = native.campaign;
  const { aiAgent } = native;
  return [
    'Seeded native calls (SWML, AI agents: the Calling API owns them; GET /calls lists them with api "calling"):',
    `  ${aiAgent.id}  ${(aiAgent.status ?? '').padEnd(11)} AI agent, ${aiAgent.url}`,
    ...native.swml.map((c) => `  ${c.id}  ${(c.status ?? '').padEnd(11)} SWML, ${c.url}`),
    ...native.campaign.map((c) => `  ${c.id}  ${(c.status ?? '').padEnd(11)} campaign, ${c.url}`),
    '',
    'Native calls over HTTP (the service finds their API, or api names it):',
    `  curl -s '${base}/calls?api=calling&pageSize=2'      # native calls only, then follow next_cursor`,
    `  curl -s -X POST ${base}/calls/${aiAgent.id}/terminate      # the AI agent call: 200, ended`,
    `  curl -s -X POST ${base}/calls/${aiAgent.id}/terminate      # again: 200, already ended`,
    `  curl -s -X POST ${base}/calls/${swml?.id} -d Url=https://example.com/hold.swml -d Method=GET   # 400: names Method`,
    `  curl -s -X POST ${base}/calls/${swml?.id} -d Url=https://example.com/hold.swml`,
    `  curl -s -X POST ${base}/calls/${swml?.id}/transfer -H 'content-type: application/json' -d '{"dest":"sip:supervisor@example.com","api":"calling"}'`,
    `  curl -s -X POST ${base}/calls/${compatibilitySid}/transfer --data-urlencode dest=+14155550123   # 400: a Compatibility call has no transfer`,
    `  curl -s -X POST ${base}/calls/${queued?.id}/terminate      # a queued campaign call: canceled`,
    `  curl -s '${base}/calls/${ringing?.id}?api=calling'`,
  ];
};

/** `--local`, and `--port` when the stack is not where `--local` looks by default (3000, or $PORT). */
export const localFlags = (port: number): string => (port === 3000 ? '--local' : `--local --port ${port}`);

/**
 * `call-control` commands on the seeded native calls (the ones the `curl` lines leave live). `--local` finds
 * the stack on port 3000 (or $PORT): on another port the commands say `--port`, so they work as written.
 */
export const nativeCliLines = (native: NativeSeeds, port: number): string[] => {
  const [swml, ringing] = native.swml;
  const campaignFrom = native.campaign[0]?.from;
  const local = localFlags(port);
  return [
    'The CLI on both kinds (KIND compat or native; --api compatibility|calling names the API):',
    `  npx call-control calls list ${local} --api calling`,
    `  npx call-control calls get ${ringing?.id} ${local}`,
    `  npx call-control calls redirect ${swml?.id} --url https://example.com/ivr.swml ${local} --yes`,
    `  npx call-control calls transfer ${swml?.id} --to +13105550100 --api calling ${local} --yes`,
    `  npx call-control end-all ${local} --api calling --from ${campaignFrom} --dry-run      # the campaign's queued calls`,
    `  npx call-control end-all ${local} --dry-run -o json      # live and queued calls of both kinds`,
    `  npx call-control calls end ${ringing?.id} ${local} --yes      # a ringing native call: canceled`,
  ];
};
