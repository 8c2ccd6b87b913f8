import { join } from 'node:path';
import { ipcRun, percentile, terminateEvent } from './harness.ts';
import { count, type Measurement, REPEATS, scaled } from './measurement.ts';
import { ms, type ResultRow, ratioSpread, spread, spreadValues } from './report.ts';
import { assertEnded, PROJECT_ID, seedLive, setups, startWorld, type World } from './world.ts';

/**
 * Item 3 for native calls (SWML, RELAY, Call Fabric): the http-api function terminating a native call it is not
 * told the kind of, so the write-first resolution runs as deployed: the update on the Compatibility API (404,
 * nothing applied), the call's voice log (`realtime_api`), then the one native `end` command. Set against a
 * Compatibility terminate in the same process (one round trip: the update) and against a bare `node:http` POST
 * in its own process (the floor of warm-vs-node-http).
 */

const SAMPLES = 300;
const WARM_UP = 60;

interface Answer {
  series: Record<string, { durationsMs: number[]; failures: number }>;
}

interface Repeat {
  native: number[];
  compatibility: number[];
  http: number[];
}

const seedNative = (world: World): string =>
  world.emulator.native.seed(PROJECT_ID, { status: 'answered', ageSeconds: 60 }).id;

const assertNativeEnded = (world: World, ids: readonly string[]): void => {
  const live = ids.filter((id) => world.emulator.native.get(PROJECT_ID, id)?.status === 'answered');
  if (live.length > 0)
    throw new Error(`native-warm: ${live.length} of ${ids.length} native calls were not ended`);
};

/** The rows and the note of the repeats: per-repeat ratios of the p50s, their median and min–max. */
const nativeRows = (repeats: Repeat[]): { rows: ResultRow[]; notes: string[] } => {
  const all = (key: keyof Repeat) => repeats.flatMap((repeat) => repeat[key]);
  const row = (
    id: string | undefined,
    metric: string,
    [project, reference]: [keyof Repeat, keyof Repeat],
    label: string,
  ): ResultRow => {
    const a = percentile(all(project), 50);
    const b = percentile(all(reference), 50);
    const s = spread(
      repeats.map((repeat) => percentile(repeat[project], 50) / percentile(repeat[reference], 50)),
    );
    return {
      item: 3,
      ...(id ? { id } : {}),
      metric,
      project: ms(a),
      reference: `${label} ${ms(b)}`,
      ratio: ratioSpread(s),
      target: '— (context)',
      met: 'n/a',
      values: spreadValues(s, a, b, 'ms'),
    };
  };
  const n = count(all('native').length);
  const rows = [
    row(
      'native-warm',
      `Warm p50, http: terminate a native call through http-api, write-first resolution included (Compatibility ` +
        `404, voice log, native \`end\`: 3 round trips; n=${n}) vs a bare \`node:http\` request in its own process`,
      ['native', 'http'],
      'bare node:http',
    ),
    row(
      undefined,
      'Warm p50, http: the same native terminate vs a Compatibility terminate (1 round trip: the update), ' +
        'interleaved in one process',
      ['native', 'compatibility'],
      'Compatibility',
    ),
  ];
  const p99 = percentile(all('native'), 99);
  const notes = [
    'Native warm: bench/native-warm.ts. http-api is asked to terminate a call without being told its API, ' +
      'so it resolves the call as deployed (functions/commons/calls/native-calls.ts, write-first): the update ' +
      'on the Compatibility API answers 404 (nothing applied), the voice log says `realtime_api`, and only then ' +
      'is the native `end` sent: three round trips against one for the floor. A Compatibility call takes one ' +
      '(the update), as the warm target row (`warm-vs-node-http`, one bare POST) does. A request that names ' +
      `\`api: calling\` skips the Compatibility update and the voice log. Native p99 ` +
      `${ms(p99)}. ${REPEATS} alternated repeats (the processes rotate), min–max of the per-repeat ratios shown.`,
  ];
  return { rows, notes };
};

export const nativeWarm: Measurement = {
  name: 'native-warm',
  async run(context) {
    await context.bundles();
    const world = await startWorld();
    try {
      const set = setups(world, context.out);
      const driver = join(context.root, 'bench', 'warm-driver.mjs');
      const samples = scaled(SAMPLES, 20);
      const warmup = scaled(WARM_UP, 10);
      type Kind = 'handler' | 'http';
      const plan = (series: Array<{ label: string; kind: Kind; sids: string[] }>) => ({
        bundle: set.projectDirect.bundle,
        template: terminateEvent('00000000-0000-4000-8000-000000000000'),
        projectId: PROJECT_ID,
        authorization: `Basic ${Buffer.from(`${PROJECT_ID}:${world.apiToken}`).toString('base64')}`,
        warmup,
        series: series.map((s) => ({
          ...s,
          ...(s.kind === 'handler' ? {} : { origin: world.emulator.url }),
        })),
      });
      const durations = (answer: Answer, label: string): number[] => {
        const got = answer.series[label];
        if (!got || got.failures > 0)
          throw new Error(`native-warm ${label}: ${got?.failures} requests failed`);
        return got.durationsMs;
      };
      /** A bare series alone in its own process. */
      const bare = async (label: string, kind: Kind): Promise<number[]> => {
        const sids = Array.from({ length: samples + warmup }, () => seedLive(world));
        const { bundle: _bundle, ...alone } = plan([{ label, kind, sids }]);
        const got = durations(await ipcRun<Answer>(driver, set.projectDirect.env, alone), label);
        assertEnded(world, sids, `native-warm ${label}`);
        return got;
      };
      const repeats: Repeat[] = [];
      for (let r = 0; r < REPEATS; r++) {
        context.log(`native-warm: repeat ${r + 1} of ${REPEATS}`);
        const repeat: Repeat = { native: [], compatibility: [], http: [] };
        const steps = [
          async () => {
            const native = Array.from({ length: samples + warmup }, () => seedNative(world));
            const compatibility = Array.from({ length: samples + warmup }, () => seedLive(world));
            // Interleaved in one warm process: one native terminate, one Compatibility terminate, in turn.
            const answer = await ipcRun<Answer>(
              driver,
              set.projectDirect.env,
              plan([
                { label: 'native', kind: 'handler', sids: native },
                { label: 'compatibility', kind: 'handler', sids: compatibility },
              ]),
            );
            repeat.native = durations(answer, 'native');
            repeat.compatibility = durations(answer, 'compatibility');
            assertNativeEnded(world, native);
            assertEnded(world, compatibility, 'native-warm compatibility');
          },
          async () => {
            repeat.http = await bare('http', 'http');
          },
        ];
        // The two processes alternate which goes first from one repeat to the next.
        for (let i = 0; i < steps.length; i++) await steps[(r + i) % steps.length]?.();
        repeats.push(repeat);
      }
      const { rows, notes } = nativeRows(repeats);
      return { rows, notes, details: { repeats: repeats.map((r) => ({ ...r })) } };
    } finally {
      await world.stop();
    }
  },
};
