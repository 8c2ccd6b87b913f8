/**
 * The cold-start ablation of bench/cold-start.ts: the http-api function built without one part the design keeps
 * (bench/build.ts `ablationBundles`, bench-only, never shipped), run in the same rounds as the other series; its
 * set-ups, its rows against the reference deployed the default way, and the note that reads them.
 */
import { join } from 'node:path';
import type { AblationBundles } from './build.ts';
import { type ColdSeries, type RowSpec, TARGET_VS_SDK_DEFAULT } from './cold-series.ts';
import { median } from './harness.ts';
import { kib, ms, type ResultRow } from './report.ts';
import type { Setup } from './world.ts';

/**
 * The bench-only ablation builds of the http-api function (bench/build.ts `ablationBundles`, never shipped): what
 * the design keeps, removed one part at a time, each with its output directory.
 */
const ABLATIONS = {
  projectNoPowertools: 'http-api-no-powertools',
  projectNoMiddy: 'http-api-no-middy',
  projectNeither: 'http-api-neither',
} as const;
export const ABLATION_NAMES = ['projectNoPowertools', 'projectNoMiddy', 'projectNeither'] as const;
type AblationName = (typeof ABLATION_NAMES)[number];

/** The http series the ablation rows and note read. */
type AblationHttpSeries = Record<AblationName | 'project' | 'sdkFloor' | 'referenceNoMaps', ColdSeries>;
/** The https series the ablation rows read. */
type AblationHttpsSeries = Record<AblationName | 'referenceNoMaps', ColdSeries>;

/** Each ablation build's set-up: the project's, with the build's bundle. */
export const ablationSetups = (project: Setup, out: string): Record<AblationName, Setup> =>
  Object.fromEntries(
    ABLATION_NAMES.map((name) => [name, { ...project, bundle: join(out, ABLATIONS[name], 'index.mjs') }]),
  ) as Record<AblationName, Setup>;

/** `+1.2 ms` / `−0.8 ms`: a difference, signed. */
const signedMs = (value: number): string => `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;

/** What each ablation build leaves out, in its row's label. */
const ABLATION_LABELS: Record<AblationName, { id: string; short: string; what: string }> = {
  projectNoPowertools: {
    short: 'without Powertools',
    id: 'cold-no-powertools-vs-sdk-default',
    what:
      "without Powertools' Logger and Metrics (the project's logger and metrics modules and " +
      '`@aws-lambda-powertools/metrics` replaced by minimal stand-ins of the same calls, bench/stand-ins)',
  },
  projectNoMiddy: {
    short: 'without middy',
    id: 'cold-no-middy-vs-sdk-default',
    what:
      'without the middy chain (`@middy/core` and every middy middleware replaced by a stand-in that runs ' +
      'the handler alone: no normalisers, body parsers, validation, error answers, Powertools context or flush)',
  },
  projectNeither: {
    short: 'without both',
    id: 'cold-neither-vs-sdk-default',
    what: 'without both',
  },
};

/**
 * Context, what bounds the cold-start target: the http-api function built without one part the design keeps
 * (bench-only builds, never shipped), each against the reference deployed the default way.
 */
export const ablationRows = (
  h: AblationHttpSeries,
  s: AblationHttpsSeries | undefined,
  row: (spec: RowSpec) => ResultRow,
): ResultRow[] =>
  ABLATION_NAMES.flatMap((name) => {
    const { id, what } = ABLATION_LABELS[name];
    const metric =
      `Context, what bounds the first target: cold start of a bench-only build of http-api (never shipped) ${what} ` +
      'vs the reference deployed the default way';
    return [
      row({ id, metric: `${metric}, http`, project: h[name], reference: h.referenceNoMaps }),
      ...(s
        ? [
            row({
              id: `${id}-https`,
              metric: `${metric}, https`,
              project: s[name],
              reference: s.referenceNoMaps,
            }),
          ]
        : []),
    ];
  });

/** The note that reads the ablation rows: which removal, if any, brings the first target within reach. */
export const ablationNote = (
  rows: readonly ResultRow[],
  h: AblationHttpSeries,
  ablation: AblationBundles,
  projectBytes: number,
): string => {
  const cpu = (name: keyof AblationHttpSeries) => median(h[name].cpuMs);
  const wall = (name: keyof AblationHttpSeries) => median(h[name].wallMs);
  const ratioOf = (id: string) => rows.find((r) => r.id === id)?.values.ratio ?? Number.NaN;
  const project = ratioOf('cold-vs-sdk-default');
  const parts = ABLATION_NAMES.map((name) => {
    const { id, short } = ABLATION_LABELS[name];
    const bytes = {
      projectNoPowertools: ablation.noPowertools.bytes,
      projectNoMiddy: ablation.noMiddy.bytes,
      projectNeither: ablation.neither.bytes,
    }[name];
    const value = ratioOf(id);
    const https = ratioOf(`${id}-https`);
    return {
      name,
      value,
      text:
        `${short} ` +
        `${value.toFixed(3)} over http${Number.isFinite(https) ? `, ${https.toFixed(3)} over https` : ''} ` +
        `(bundle ${kib(bytes)}, ${kib(projectBytes - bytes)} less; CPU to the first answer ${ms(cpu(name))}, ` +
        `${signedMs(cpu(name) - cpu('project'))} against the project's; were the wall time to fall by that CPU, ` +
        `the ratio would be ${((wall('project') + cpu(name) - cpu('project')) / wall('referenceNoMaps')).toFixed(3)})`,
    };
  });
  const under = parts.filter((part) => part.value <= TARGET_VS_SDK_DEFAULT);
  return (
    'Cold-start ablation (what bounds the first target, measured): bench/build.ts `ablationBundles` builds ' +
    'http-api three more times for the bench only, never shipped, with what the design keeps removed one part at ' +
    "a time: Powertools' Logger and Metrics replaced by minimal stand-ins of the same calls (bench/stand-ins: one " +
    'JSON line per log call, one EMF line per flush), the middy chain removed (the handler runs alone: it answers ' +
    "the bench's well-formed terminate, nothing else), and both. Each runs in the same rounds as the other " +
    'series, against the reference deployed the default way; beside each ratio, the CPU of the child from its ' +
    'start to the answer (user + system, median), which the load of other work on a shared machine stretches ' +
    `less than wall time: the project ${ms(cpu('project'))}, the SDK floor ${ms(cpu('sdkFloor'))}, the reference ` +
    `${ms(cpu('referenceNoMaps'))}, bare node's bootstrap included. The project as deployed: ${project.toFixed(3)}; ` +
    `${parts.map((part) => part.text).join('; ')}. ` +
    (under.length === 0
      ? `None of them alone brings the ratio to ${TARGET_VS_SDK_DEFAULT}: the SDK floor row and node itself bound it.`
      : `Under ${TARGET_VS_SDK_DEFAULT}: ${under.map((part) => ABLATION_LABELS[part.name].short).join(', ')}; ` +
        'the rest do not reach it.')
  );
};
