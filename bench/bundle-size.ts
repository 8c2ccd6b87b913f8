import type { BundleReport } from './build.ts';
import { type Measurement, percent, yesNo } from './measurement.ts';
import { kib, type ResultRow, ratio } from './report.ts';

/** Item 1's target: the HTTP update function at most this share of the official-SDK reference. */
const TARGET_SHARE = 1 / 8;

const share = (report: BundleReport, group: string): number =>
  report.shares.find((entry) => entry.group === group)?.bytes ?? 0;

/** The HTTP update function first (it carries the target), then the others by name. */
const bundleRows = (functions: BundleReport[], reference: BundleReport): ResultRow[] =>
  [...functions]
    .sort((a, b) => Number(b.name === 'http-api') - Number(a.name === 'http-api'))
    .flatMap((fn) => {
      const row = (kind: 'minified' | 'gzip'): ResultRow => {
        // Context: the reference with the AWS SDK bundled is the heavier way to deploy it; the target row
        // compares with the reference that takes the AWS SDK from the runtime (bundle-vs-runtime-sdk).
        const isTarget = false;
        const project = kind === 'minified' ? fn.bytes : fn.gzipBytes;
        const ref = kind === 'minified' ? reference.bytes : reference.gzipBytes;
        const value = project / ref;
        return {
          item: 1,
          metric:
            `Bundle size, ${fn.name} (${kind === 'minified' ? 'minified' : 'minified + gzip -9'}), against the ` +
            'reference with the AWS SDK bundled',
          project: kib(project),
          reference: kib(ref),
          ratio: ratio(value),
          target: isTarget ? `≤ 1/8 (${TARGET_SHARE.toFixed(3)})` : '— (context)',
          met: isTarget ? yesNo(value <= TARGET_SHARE) : 'n/a',
          values: { project, reference: ref, ratio: value, unit: 'bytes' },
        };
      };
      return [row('minified'), row('gzip')];
    });

const sharesNote = (report: BundleReport): string =>
  `${report.name} ${kib(report.bytes)}: ` +
  report.shares
    .filter((entry) => entry.bytes >= 512)
    .map((entry) => `${entry.group} ${kib(entry.bytes)} (${percent(entry.bytes, report.bytes)})`)
    .join(', ');

/** Item 1: bundle sizes against the official-SDK reference, and what each package adds to each bundle. */
export const bundleSize: Measurement = {
  name: 'bundle-size',
  async run(context) {
    const { functions, reference, referenceEnvCredentials, referenceRuntimeSdk } = await context.bundles();
    const http = functions.find((fn) => fn.name === 'http-api');
    const rows = bundleRows(functions, reference);
    if (http) {
      const runtimeShare = http.bytes / referenceRuntimeSdk.bytes;
      rows.unshift({
        item: 1,
        id: 'bundle-vs-runtime-sdk',
        metric:
          'Bundle size, http-api (minified) vs the reference with the AWS SDK taken from the Lambda runtime ' +
          '(`@aws-sdk/*` external)',
        project: kib(http.bytes),
        reference: kib(referenceRuntimeSdk.bytes),
        ratio: ratio(runtimeShare),
        target: `≤ 1/8 (${TARGET_SHARE.toFixed(3)})`,
        met: yesNo(runtimeShare <= TARGET_SHARE),
        values: {
          project: http.bytes,
          reference: referenceRuntimeSdk.bytes,
          ratio: runtimeShare,
          unit: 'bytes',
        },
      });
      const value = http.bytes / referenceEnvCredentials.bytes;
      rows.push({
        item: 1,
        metric: "Bundle size, http-api vs the reference bundled with the project's aliases too",
        project: kib(http.bytes),
        reference: kib(referenceEnvCredentials.bytes),
        ratio: ratio(value),
        target: '— (context)',
        met: 'n/a',
        values: {
          project: http.bytes,
          reference: referenceEnvCredentials.bytes,
          ratio: value,
          unit: 'bytes',
        },
      });
    }
    const duplicated = [...functions, reference].flatMap((report) =>
      report.duplicates.map((entry) => ({ bundle: report.name, ...entry })),
    );
    const powertools = duplicated.filter((entry) => entry.name.startsWith('@aws-lambda-powertools/'));
    const others = duplicated.filter((entry) => !powertools.includes(entry));
    const describe = (entries: typeof duplicated) =>
      entries.map((entry) => `${entry.bundle}: ${entry.name} (${entry.copies.join(', ')})`).join('; ');
    rows.push({
      item: 1,
      metric: 'Powertools packages bundled from more than one installed copy (every bundle, metafile)',
      project: powertools.length === 0 ? 'none' : describe(powertools),
      reference: others.length === 0 ? 'other packages: none' : `other packages: ${describe(others)}`,
      ratio: '—',
      target: 'none (one Powertools version)',
      met: yesNo(powertools.length === 0),
      values: { project: powertools.length, reference: others.length, unit: 'packages' },
    });
    const notes = [
      'Bundles: esbuild with the options of infra/call-control-function.ts, read from infra/runtime.ts (ESM, ' +
        'minify, target node24, platform node, main fields module/main, every dependency including @aws-sdk/* ' +
        'bundled, a `createRequire` banner that takes `node:module` through `process.getBuiltinModule` (no ES ' +
        'module facade; the reference takes the usual `import { createRequire }` one), external source map ' +
        'without sources, and the aliases that replace ' +
        "what Lambda never needs of the AWS SDK with the project's stand-ins (infra/runtime.ts BUNDLE_ALIAS: the " +
        'environment provider for the default credential chain, the `node:crypto` SHA-256 for ' +
        '`@smithy/core/checksum`, the HTTP/1.1 path of `@smithy/node-http-handler`, an environment-only ' +
        '`@smithy/core/config` without the shared config files, SigV4 without presigning and event-stream ' +
        "signing, the project's AWS JSON protocol for `@aws-sdk/core/protocols`, an event-stream serde that " +
        'refuses every stream for `@smithy/core/event-streams`), and load ' +
        "Node's built-ins as `require` does: an ES import through one ES module stand-in each (no ES module " +
        "facade, and no copy of every export as esbuild's CommonJS interop makes), a CommonJS `require` (the " +
        "X-Ray SDK's) through a one-line stand-in that hands it the live module, so no lazy export such as " +
        '`http.WebSocket`, which loads undici, is read). The AWS SDK stand-ins ' +
        "count in the AWS SDK's share below. Sizes are the .mjs alone; the " +
        `source maps are ${http ? kib(http.mapBytes) : '—'} (http-api) and ${kib(reference.mapBytes)} (reference).`,
      'Reference: bench/reference/sdk-update-handler.ts, a handler built on `@signalwire/compatibility-api` ' +
        '(`RestClient(...).calls(sid).update({ status: "completed" })`) and `@aws-sdk/client-secrets-manager`, ' +
        'reading the same secret and bundled the same way, except for the aliases: it keeps the default ' +
        "credential chain, the SDK's own HTTP handler, shared-config loader, SigV4 signer and JavaScript " +
        'SHA-256, and ES imports of the built-ins, as a user bundling it would; the row "the reference ' +
        'bundled with the project\'s aliases too" shows the ratio if it had them as well ' +
        `(${kib(referenceEnvCredentials.bytes)}). The target row compares with the same reference built with ` +
        "`@aws-sdk/*` external, as a user relying on the AWS SDK that Lambda's Node.js runtime ships would " +
        `deploy it (${kib(referenceRuntimeSdk.bytes)}); the project bundles its AWS SDK client, as the style it ` +
        'follows asks, so its figure carries the Secrets Manager client the runtime variant leaves out.',
      `Share of each package in each bundle (metafile \`bytesInOutput\`): ${[...functions, reference]
        .map(sharesNote)
        .join('; ')}.`,
    ];
    const missed = rows.some((row) => row.met === 'no' && row.metric.startsWith('Bundle size, http-api'));
    if (missed && http) {
      const aws = share(http, 'AWS SDK v3 (Secrets Manager client)');
      const budget = referenceRuntimeSdk.bytes * TARGET_SHARE;
      const rest = http.bytes - aws;
      notes.push(
        `Missed, bundle size: http-api is ${kib(http.bytes)} against a budget of ${kib(budget)} (1/8 of the ` +
          "reference with the runtime's AWS SDK). The AWS SDK's Secrets Manager client with @smithy/* and the " +
          `project's stand-ins is ${kib(aws)} of it (${percent(aws, http.bytes)}); Powertools ` +
          `${kib(share(http, 'Powertools'))}, middy ${kib(share(http, 'middy'))}, the project's own code ` +
          `${kib(share(http, 'project code'))} (its precompiled validators included). Everything but the AWS SDK ` +
          `is ${kib(rest)}, which leaves the SDK ${kib(Math.max(0, budget - rest))} of the budget. What the ` +
          'stand-ins leave are the modules the `GetSecretValue` read goes through (client and middleware stack, ' +
          'the schemas and the error registry the stand-in JSON protocol reads, endpoint rules with the ' +
          'partitions table, standard and adaptive retry, the SigV4 auth scheme around the stand-in signer, the ' +
          'client package.json the user agent reads its version from), with their error and other-shape ' +
          'branches. The client imports most of them by package path (`@smithy/core/retry`, `/endpoints`, ' +
          '`/schema`, `@aws-sdk/core/client`), so an alias could replace them, but only with a copy of code the ' +
          'read runs (the JSON protocol was the largest, about 22 KiB, and is already replaced). What would close ' +
          'the rest: read the secret without the SDK client (the Parameters and Secrets Lambda extension, or one ' +
          'SigV4-signed `GetSecretValue` over `node:https`), which the design rules out for now.',
      );
    }
    return { rows, notes, details: { functions, reference, referenceEnvCredentials, referenceRuntimeSdk } };
  },
};
